#define BOOST_TEST_MODULE lacquer elements
#include <boost/test/unit_test.hpp>
