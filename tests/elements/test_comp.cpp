// mastercomp as users meet it: the static curve and the gain-reduction meter
// on the bus, lookahead reported as latency with the file's length and
// alignment kept.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"

#include <algorithm>
#include <cmath>

using namespace lacquer;

namespace {

double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
  }
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mastercomp)

// A -6 dBFS sine, threshold -20, 4:1, hard knee: 14 dB over -> 10.5 dB of
// reduction (Giannoulis et al. eq. 4), within 0.1 dB at the output and on the
// meter, in every format the element takes.
BOOST_AUTO_TEST_CASE(static_curve_and_meter_through_the_element_within_0_1_db) {
  const auto tone = test::sine(48000.0, 997.0, -6.0, 48000 * 2);
  test::Planar input{tone, tone};
  for (const char* format : {"F32LE", "F64LE", "S32LE"}) {
    BOOST_TEST_CONTEXT(format) {
      auto result = test::run_gst("mastercomp threshold=-20 ratio=4 knee=0 interval=250000000", input,
                                  {.format = format});
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      const std::size_t from = tone.size() - 9600;
      const double gain_db = test::linear_to_db(test::rms(result.output[0], from) / test::rms(tone, from));
      BOOST_TEST(std::fabs(gain_db + 10.5) <= 0.1);
      BOOST_TEST(std::fabs(result.last("gain-reduction") - 10.5) <= 0.1);
      BOOST_TEST(result.messages.size() >= 8u);  // every 250 ms over 2 s, and a final one
    }
  }
}

// Lookahead: the LATENCY query answers 5 ms, and the output still has the
// input's length and lines up with it sample for sample (below the threshold
// the compressor is exact unity gain).
BOOST_AUTO_TEST_CASE(lookahead_is_latency_and_keeps_length_and_alignment) {
  test::Planar input{test::white_noise(48000, -40.0, 1), test::white_noise(48000, -40.0, 2)};
  auto result = test::run_gst("mastercomp lookahead=5", input, {.block = 1000});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.latency == 5 * GST_MSECOND);
  BOOST_TEST(result.output[0].size() == input[0].size());
  BOOST_TEST(result.timestamps_contiguous);
  BOOST_TEST(result.first_pts == 0u);
  BOOST_TEST(max_abs_difference(result.output[0], input[0]) <= 1e-6);
  BOOST_TEST(max_abs_difference(result.output[1], input[1]) <= 1e-6);
}

// Mid/side with identical channels leaves the side silent through the element.
BOOST_AUTO_TEST_CASE(mid_side_keeps_identical_channels_identical) {
  const auto program = test::white_noise(48000, -8.0, 3);
  auto result = test::run_gst("mastercomp mode=mid_side threshold=-30 ratio=8 link=0", {program, program});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(max_abs_difference(result.output[0], result.output[1]) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
