#define BOOST_TEST_MODULE lacquer lv2
#include <boost/test/unit_test.hpp>
