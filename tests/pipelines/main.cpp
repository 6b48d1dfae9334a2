#define BOOST_TEST_MODULE lacquer pipelines
#include <boost/test/unit_test.hpp>
