#define BOOST_TEST_MODULE lacquer conformance
#include <boost/test/unit_test.hpp>
