// masternorm as users meet it: the lookahead and the limiter's delay reported
// as latency and hidden behind the timestamps (a file keeps its length and
// stays sample-aligned), the same samples as the DSP, the target reached and
// the meters posted on the bus.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <lacquer/dsp/loudness_normaliser.hpp>
#include <lacquer/dsp/registry.hpp>

#include "gst_run.hpp"
#include "programme.hpp"
#include "run_stage.hpp"

using namespace lacquer;
using Norm = dsp::LoudnessNormaliser;

namespace {

int latency_frames(double rate, float lookahead_s) {
  return test::stage_latency("norm", rate, "lookahead", lookahead_s);
}

// Six seconds of the test programme: a -23 LUFS music-like item, then a
// -8 LUFS speech-like one (the gain moves a long way, the limiter works).
test::Planar short_programme(double rate) {
  test::Planar p = test::make_programme(rate, 1.0).audio;
  const auto from = std::size_t(34.0 * rate), to = std::size_t(40.0 * rate);
  test::Planar cut(2);
  for (std::size_t c = 0; c < 2; ++c)
    cut[c].assign(p[c].begin() + long(from), p[c].begin() + long(to));
  return cut;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masternorm)

// Every frame comes out, at the input's timestamps, the LATENCY query answers
// the lookahead plus the limiter's delay, and the samples are the DSP's own
// moved back by that latency (within 1e-6), whatever the buffer size and
// layout.
BOOST_AUTO_TEST_CASE(output_is_the_dsp_aligned_full_length_and_latency_reported) {
  const double rate = 48000.0;
  const test::Planar input = short_programme(rate);
  const std::size_t frames = input[0].size();
  const int latency = latency_frames(rate, 0.5f);
  // The DSP through its runner, fed the input and then the latency's worth of
  // silence to flush the tail, read back by the latency.
  auto runner = test::make_runner("norm", rate, 2, 1024);
  runner->stage().set(Norm::kLookahead, 0.5f);
  runner->stage().set(Norm::kSpeed, float(Norm::kRadio));
  runner->reset();
  test::Planar dsp_out = input;
  for (auto& ch : dsp_out) ch.resize(frames + std::size_t(latency), 0.0f);
  test::run_blocks(*runner, dsp_out, 1024);
  for (int block : {256, 4096}) {
    for (bool interleaved : {true, false}) {
      BOOST_TEST_CONTEXT("block " << block << (interleaved ? ", interleaved" : ", planar")) {
        auto result = test::run_gst("masternorm lookahead=0.5 speed=radio", input,
                                    {.block = block, .interleaved = interleaved});
        BOOST_TEST_REQUIRE(result.error.empty(), result.error);
        BOOST_TEST_REQUIRE(result.output.size() == 2u);
        BOOST_TEST(result.output[0].size() == frames);
        BOOST_TEST(result.first_pts == GstClockTime(0));
        BOOST_TEST(result.end_time == gst_util_uint64_scale_round(frames, GST_SECOND, 48000));
        BOOST_TEST(result.timestamps_contiguous);
        BOOST_TEST(result.latency ==
                   gst_util_uint64_scale_round(guint64(latency), GST_SECOND, 48000));
        BOOST_TEST(test::max_difference_delayed(dsp_out, result.output, std::size_t(latency)) <= 1e-6);
      }
    }
  }
}

// The default lookahead (1.5 s) is reported too, at another rate.
BOOST_AUTO_TEST_CASE(default_lookahead_is_reported_at_44k1) {
  const test::Planar input(2, test::sine(44100.0, 997.0, -30.0, 44100 * 4));
  auto result = test::run_gst("masternorm", input, {.rate = 44100});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.output[0].size() == input[0].size());
  BOOST_TEST(result.latency == gst_util_uint64_scale_round(guint64(latency_frames(44100.0, 1.5f)),
                                                           GST_SECOND, 44100));
}

// Meters on the bus: gain, momentary, short-term and integrated of the output.
// A steady -33 LUFS item set to target=-16 reads +17 dB of gain and an
// integrated output within 0.5 LU of -16 (issue 9's tolerance).
BOOST_AUTO_TEST_CASE(meters_are_posted_and_the_target_property_is_reached) {
  const double rate = 48000.0;
  test::Planar input{test::white_noise(48000 * 20, -40.0, 61),
                     test::white_noise(48000 * 20, -40.0, 62)};
  test::programme_detail::set_loudness(input[0], input[1], rate, -33.0);
  auto result = test::run_gst("masternorm target=-16 max-gain=20 speed=radio lookahead=0", input);
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  for (GstStructure* s : result.messages) {
    BOOST_TEST(gst_structure_has_name(s, "masternorm"));
    for (const char* field : {"gain", "momentary", "short-term", "integrated"}) {
      BOOST_TEST(gst_structure_has_field_typed(s, field, G_TYPE_DOUBLE), field);
    }
  }
  BOOST_TEST(result.messages.size() >= 20u);
  BOOST_TEST(result.last("gain") == 17.0, boost::test_tools::tolerance(0.5 / 17.0));
  BOOST_TEST(result.last("short-term") == -16.0, boost::test_tools::tolerance(0.5 / 16.0));
  // Integrated includes the first seconds, while the gain rose at 10 dB/s.
  BOOST_TEST(result.last("integrated") == -16.0, boost::test_tools::tolerance(1.0 / 16.0));
}

BOOST_AUTO_TEST_SUITE_END()
