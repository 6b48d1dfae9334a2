// mastermbcomp as users meet it: bands as GstChildProxy children, per-band
// gain-reduction meters on the bus, and the linear-phase crossover's latency
// reported with the file's length and alignment kept.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"

#include <algorithm>
#include <cmath>

using namespace lacquer;

BOOST_AUTO_TEST_SUITE(mastermbcomp)

// band<N>::<property> reaches the band: only band 1 (below 120 Hz) is set to
// compress a loud 40 Hz tone, and only its meter moves.
BOOST_AUTO_TEST_CASE(child_proxy_bands_and_their_meters) {
  const auto tone = test::sine(48000.0, 40.0, -6.0, 48000 * 2);
  auto result = test::run_gst(
      "mastermbcomp band1::threshold=-30 band1::ratio=4 band1::window=30 band2::threshold=0 "
      "band3::threshold=0 band4::threshold=0",
      {tone, tone});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.last("band1-gain-reduction") > 10.0);
  for (const char* band : {"band2-gain-reduction", "band3-gain-reduction", "band4-gain-reduction"}) {
    BOOST_TEST(result.last(band) == 0.0, band);
  }
  GstElement* element = gst_element_factory_make("mastermbcomp", nullptr);
  BOOST_TEST_REQUIRE(element != nullptr);
  BOOST_TEST(gst_child_proxy_get_children_count(GST_CHILD_PROXY(element)) == 5u);
  gst_object_unref(element);
}

// Linear phase: the LATENCY query answers the FIR delay plus one partition
// (2303 frames at 48 kHz), and without compression the output is the input,
// same length, same timestamps, nulling to -100 dB or better.
BOOST_AUTO_TEST_CASE(linear_phase_latency_keeps_length_and_alignment) {
  test::Planar input{test::white_noise(48000, -30.0, 4), test::white_noise(48000, -30.0, 5)};
  auto result = test::run_gst(
      "mastermbcomp crossover=linear band1::threshold=0 band2::threshold=0 band3::threshold=0 "
      "band4::threshold=0",
      input, {.block = 777});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.latency == gst_util_uint64_scale_round(2303, GST_SECOND, 48000));
  BOOST_TEST(result.output[0].size() == input[0].size());
  BOOST_TEST(result.timestamps_contiguous);
  for (std::size_t c = 0; c < 2; ++c) {
    std::vector<float> residual(input[c].size());
    for (std::size_t i = 0; i < residual.size(); ++i) residual[i] = result.output[c][i] - input[c][i];
    const double null_db = test::linear_to_db(test::rms(residual) / test::rms(input[c]));
    BOOST_TEST_MESSAGE("element, linear phase: null " << null_db << " dB");
    BOOST_TEST(null_db <= -100.0);
  }
}

BOOST_AUTO_TEST_SUITE_END()
