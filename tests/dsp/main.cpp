#define BOOST_TEST_MODULE lacquer dsp
#include <boost/test/unit_test.hpp>
