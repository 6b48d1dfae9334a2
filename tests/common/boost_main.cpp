// The Boost.Test runner shared by every test executable.
#define BOOST_TEST_MODULE lacquer
#include <boost/test/unit_test.hpp>
