// mastereq as users meet it: bands set through the child proxy, the latency
// of linear phase reported and hidden behind the timestamps (the file keeps
// its length and alignment), minimum phase with no latency at all.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <lacquer/dsp/equalizer.hpp>
#include <lacquer/dsp/registry.hpp>
#include <string>

#include "gst_run.hpp"

using namespace lacquer;

namespace {

// The linear-phase latency at `rate`, from the DSP itself.
int linear_latency(double rate) {
  auto stage = dsp::find_stage("eq")->create();
  stage->set(dsp::Equalizer::kPhase, 1.0f);
  dsp::ProcessSpec spec;
  spec.sample_rate = rate;
  stage->prepare(spec);
  return stage->latency();
}

double largest_difference(const test::Planar& a, const test::Planar& b) {
  double worst = 0.0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    for (std::size_t i = 0; i < a[c].size() && i < b[c].size(); ++i) {
      worst = std::max(worst, std::fabs(double(a[c][i]) - b[c][i]));
    }
  }
  return worst;
}

double rms_db(const std::vector<float>& x, std::size_t begin, std::size_t end) {
  return test::linear_to_db(test::rms(x, begin, end));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mastereq)

// Issue 3: with every band at 0 dB the output is the input, sample-aligned,
// in both phase modes: linear phase reports its latency (L / 2 frames) in the
// LATENCY query, hides it behind the timestamps and drains it at EOS, so every
// frame is there. Minimum phase reports none. Any block size, both layouts,
// 44.1 and 96 kHz.
BOOST_AUTO_TEST_CASE(neutral_output_is_the_input_aligned_and_latency_reported) {
  for (int rate : {44100, 96000}) {
    const std::size_t frames = std::size_t(rate) + 777;
    const test::Planar input{test::white_noise(frames, -12.0, 61),
                             test::white_noise(frames, -15.0, 62)};
    for (const char* phase : {"minimum", "linear"}) {
      for (int block : {64, 1000, 4096}) {
        for (bool interleaved : {true, false}) {
          BOOST_TEST_CONTEXT(rate << " Hz, " << phase << ", block " << block
                                  << (interleaved ? ", interleaved" : ", planar")) {
            auto result = test::run_gst(std::string("mastereq phase=") + phase, input,
                                        {.rate = rate, .block = block, .interleaved = interleaved});
            BOOST_TEST_REQUIRE(result.error.empty(), result.error);
            BOOST_TEST_REQUIRE(result.output.size() == 2u);
            BOOST_TEST(result.output[0].size() == frames);
            BOOST_TEST(result.first_pts == GstClockTime(0));
            BOOST_TEST(result.end_time ==
                       gst_util_uint64_scale_round(frames, GST_SECOND, guint64(rate)));
            BOOST_TEST(result.timestamps_contiguous);
            const int latency = std::string(phase) == "linear" ? linear_latency(rate) : 0;
            BOOST_TEST(result.latency ==
                       gst_util_uint64_scale_round(guint64(latency), GST_SECOND, guint64(rate)));
            BOOST_TEST(largest_difference(result.output, input) == 0.0);
          }
        }
      }
    }
  }
}

// Bands set as band<N>::<control> reach the DSP: a +6 dB bell at 1 kHz (Q 1)
// lifts a 1 kHz sine by 6 dB (+-0.05) and leaves 100 Hz within 0.3 dB, in both
// modes, and in linear phase the sine stays where it was in time (the output
// crosses zero with the input).
BOOST_AUTO_TEST_CASE(child_proxy_bands_reach_the_dsp) {
  const double rate = 48000.0;
  const std::size_t frames = 48000 * 2;
  for (const char* phase : {"minimum", "linear"}) {
    BOOST_TEST_CONTEXT(phase) {
      const test::Planar tone(2, test::sine(rate, 1000.0, -12.0, frames));
      auto result = test::run_gst(std::string("mastereq phase=") + phase +
                                      " band3::type=bell band3::freq=1000 band3::gain=6 band3::q=1",
                                  tone);
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      BOOST_TEST_REQUIRE(result.output[0].size() == frames);
      const double lift =
          rms_db(result.output[0], frames / 2, frames) - rms_db(tone[0], frames / 2, frames);
      BOOST_TEST(std::fabs(lift - 6.0) < 0.05, "lift " << lift);
      // In time with the input: the difference to the input scaled by 2 (+6 dB)
      // is small only if nothing moved. (Linear phase hears the end of the
      // tone half an FIR early, so the last quarter is left out.)
      double worst = 0.0;
      for (std::size_t i = frames / 2; i < frames - frames / 4; ++i) {
        worst = std::max(worst, std::fabs(double(result.output[1][i]) - 2.0 * tone[1][i]));
      }
      BOOST_TEST(worst < 0.01 * 0.25, "largest difference to the +6 dB input " << worst);
      const test::Planar low(2, test::sine(rate, 100.0, -12.0, frames));
      auto low_result =
          test::run_gst(std::string("mastereq phase=") + phase +
                            " band3::type=bell band3::freq=1000 band3::gain=6 band3::q=1",
                        low);
      BOOST_TEST_REQUIRE(low_result.error.empty(), low_result.error);
      const double low_lift =
          rms_db(low_result.output[0], frames / 2, frames) - rms_db(low[0], frames / 2, frames);
      BOOST_TEST(std::fabs(low_lift) < 0.3, "100 Hz moved " << low_lift << " dB");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
