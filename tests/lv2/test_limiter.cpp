// urn:lacquer:limiter in a host: the latency port, the same samples as
// masterlimiter once moved back by that latency, and the gain reduction on an
// output port.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <lacquer/dsp/registry.hpp>
#include <string>
#include <utility>
#include <vector>

#include "../../lv2/common/ports.hpp"
#include "gst_run.hpp"
#include "run_stage.hpp"
#include "lv2_run.hpp"
#include "true_peak16.hpp"

using namespace lacquer;

namespace {

const dsp::StageInfo& info() { return *dsp::find_stage("limiter")->info; }

int latency_frames(double rate, float lookahead_ms) {
  return test::stage_latency("limiter", rate, "lookahead", lookahead_ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lv2_limiter)

// Stereo at urn:lacquer:limiter and a mono variant; the latency port carries
// the lookahead plus the detector's delay, and follows the lookahead control.
BOOST_AUTO_TEST_CASE(latency_port_reports_the_lookahead) {
  BOOST_TEST(lv2::variants(info()) == std::vector<int>({2, 1}), boost::test_tools::per_element());
  BOOST_TEST(lv2::plugin_uri(info(), 2) == "urn:lacquer:limiter");
  test::Lv2World world;
  for (int channels : {2, 1}) {
    BOOST_TEST_CONTEXT(channels << " channels") {
      test::Lv2Instance plugin(world, "limiter", lv2::plugin_uri(info(), channels), 48000.0);
      const test::Planar input(std::size_t(channels), test::white_noise(4800, -20.0, 51));
      plugin.control("latency") = -1.0f;
      plugin.run(input, 480);
      BOOST_TEST(plugin.control("latency") == float(latency_frames(48000.0, 1.5f)));
      plugin.control("lookahead") = 6.0f;
      plugin.run(input, 480);
      BOOST_TEST(plugin.control("latency") == float(latency_frames(48000.0, 6.0f)));
    }
  }
}

// Issue 6: the element and the plugin give the same samples, with the limiter
// working hard (drive, a low ceiling, partial link, slow release, longer
// lookahead) and host blocks unlike the element's buffers. The plugin's output
// moved back by its latency equals the element's within 1e-6.
BOOST_AUTO_TEST_CASE(plugin_and_element_give_the_same_samples) {
  const double rate = 48000.0;
  const test::Planar input{test::white_noise(48000, -12.0, 52),
                           test::white_noise(48000, -16.0, 53)};
  const std::pair<const char*, float> settings[] = {{"ceiling", -3.0f},     {"drive", 9.0f},
                                                    {"lookahead", 3.0f},    {"release", 200.0f},
                                                    {"auto_release", 0.0f}, {"link", 50.0f}};
  test::Lv2World world;
  test::Lv2Instance plugin(world, "limiter", "urn:lacquer:limiter", rate);
  for (const auto& [symbol, value] : settings) plugin.control(symbol) = value;
  const test::Planar from_lv2 = plugin.run(input, 700);
  const int latency = int(plugin.control("latency"));
  BOOST_TEST(latency == latency_frames(rate, 3.0f));
  auto from_gst = test::run_gst(
      "masterlimiter ceiling=-3 drive=9 lookahead=3 release=200 auto-release=false link=50", input);
  BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
  BOOST_TEST_REQUIRE(from_gst.output.size() == 2u);
  BOOST_TEST_REQUIRE(from_gst.output[0].size() == input[0].size());
  BOOST_TEST(test::max_difference_delayed(from_lv2, from_gst.output, std::size_t(latency)) <= 1e-6);
  BOOST_TEST(test::sample_peak_db(from_gst.output) <= -3.0);  // the settings did reach both faces
  BOOST_TEST(test::sample_peak_db(from_lv2) <= -3.0);
}

// The gain_reduction output port: a sine at the ceiling driven 6 dB reads
// 6 dB (±0.05).
BOOST_AUTO_TEST_CASE(gain_reduction_port_reads_the_drive) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "limiter", "urn:lacquer:limiter", 48000.0);
  plugin.control("drive") = 6.0f;
  plugin.control("release") = 1000.0f;
  plugin.control("auto_release") = 0.0f;
  plugin.control("gain_reduction") = -1.0f;
  plugin.run(test::Planar(2, test::sine(48000.0, 1000.0, -1.0, 48000)), 512);
  BOOST_TEST(std::fabs(plugin.control("gain_reduction") - 6.0f) <= 0.05f);
}

// Bypass (lv2:enabled off) keeps the latency: the output is the input delayed
// by the reported latency, exactly, after the 10 ms crossfade.
BOOST_AUTO_TEST_CASE(bypass_keeps_the_latency) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "limiter", "urn:lacquer:limiter", 48000.0);
  plugin.control("enabled") = 0.0f;
  plugin.control("drive") = 12.0f;
  const test::Planar input(2, test::white_noise(9600, -12.0, 54));
  const test::Planar out = plugin.run(input, 256);
  const std::size_t latency = std::size_t(plugin.control("latency"));
  BOOST_TEST(latency == std::size_t(latency_frames(48000.0, 1.5f)));
  BOOST_TEST(test::max_difference_delayed(out, input, latency, 960) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
