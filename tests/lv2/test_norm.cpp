// urn:lacquer:norm in a host: the latency port, the same samples as
// masternorm once moved back by that latency, the meters on output ports and
// a bypass that keeps the latency.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <lacquer/dsp/loudness_normaliser.hpp>
#include <lacquer/dsp/registry.hpp>
#include <vector>

#include "../../lv2/common/ports.hpp"
#include "gst_run.hpp"
#include "run_stage.hpp"
#include "lv2_run.hpp"
#include "programme.hpp"
#include "true_peak16.hpp"

using namespace lacquer;
using Norm = dsp::LoudnessNormaliser;

namespace {

const dsp::StageInfo& info() { return *dsp::find_stage("norm")->info; }

int latency_frames(double rate, float lookahead_s) {
  return test::stage_latency("norm", rate, "lookahead", lookahead_s);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lv2_norm)

// Stereo at urn:lacquer:norm and a mono variant; the latency port carries the
// lookahead plus the limiter's delay and follows the lookahead control.
BOOST_AUTO_TEST_CASE(latency_port_reports_lookahead_plus_limiter) {
  BOOST_TEST(lv2::variants(info()) == std::vector<int>({2, 1}), boost::test_tools::per_element());
  BOOST_TEST(lv2::plugin_uri(info(), 2) == "urn:lacquer:norm");
  test::Lv2World world;
  for (int channels : {2, 1}) {
    BOOST_TEST_CONTEXT(channels << " channels") {
      test::Lv2Instance plugin(world, "norm", lv2::plugin_uri(info(), channels), 48000.0);
      const test::Planar input(std::size_t(channels), test::white_noise(4800, -30.0, 71));
      plugin.control("latency") = -1.0f;
      plugin.run(input, 480);
      BOOST_TEST(plugin.control("latency") == float(latency_frames(48000.0, 1.5f)));
      plugin.control("lookahead") = 0.25f;
      plugin.run(input, 480);
      BOOST_TEST(plugin.control("latency") == float(latency_frames(48000.0, 0.25f)));
    }
  }
}

// The element and the plugin give the same samples on programme that moves
// the gain a long way and reaches the ceiling (a -23 LUFS item, then a -8
// LUFS one, normalised to -14), with host blocks unlike the element's
// buffers: the plugin's output moved back by its latency equals the
// element's within 1e-6.
BOOST_AUTO_TEST_CASE(plugin_and_element_give_the_same_samples) {
  const double rate = 48000.0;
  test::Planar p = test::make_programme(rate, 1.0).audio;
  test::Planar input(2);
  for (std::size_t c = 0; c < 2; ++c) {
    input[c].assign(p[c].begin() + long(34.0 * rate), p[c].begin() + long(40.0 * rate));
  }
  test::Lv2World world;
  test::Lv2Instance plugin(world, "norm", "urn:lacquer:norm", rate);
  plugin.control("target") = -14.0f;
  plugin.control("ceiling") = -2.0f;
  plugin.control("speed") = float(Norm::kRadio);
  plugin.control("lookahead") = 0.5f;
  const test::Planar from_lv2 = plugin.run(input, 700);
  const int latency = int(plugin.control("latency"));
  BOOST_TEST(latency == latency_frames(rate, 0.5f));
  auto from_gst =
      test::run_gst("masternorm target=-14 ceiling=-2 speed=radio lookahead=0.5", input);
  BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
  BOOST_TEST_REQUIRE(from_gst.output.size() == 2u);
  BOOST_TEST_REQUIRE(from_gst.output[0].size() == input[0].size());
  BOOST_TEST(test::max_difference_delayed(from_lv2, from_gst.output, std::size_t(latency)) <= 1e-6);
  // The settings reached both faces: the gain came down and the limiter held
  // -2 dBFS.
  BOOST_TEST(test::sample_peak_db(from_gst.output) <= -2.0);
  BOOST_TEST(test::sample_peak_db(from_lv2) <= -2.0);
  BOOST_TEST(plugin.control("gain") < -3.0f);
}

// Meter output ports: a steady -30 LUFS signal normalised to -23 reads +7 dB
// of gain and a short-term output loudness within 0.5 LU of -23.
BOOST_AUTO_TEST_CASE(meter_ports_read_gain_and_output_loudness) {
  const double rate = 48000.0;
  test::Planar input{test::white_noise(48000 * 15, -40.0, 72),
                     test::white_noise(48000 * 15, -40.0, 73)};
  test::programme_detail::set_loudness(input[0], input[1], rate, -30.0);
  test::Lv2World world;
  test::Lv2Instance plugin(world, "norm", "urn:lacquer:norm", rate);
  plugin.control("speed") = float(Norm::kRadio);
  plugin.run(input, 512);
  BOOST_TEST(plugin.control("gain") == 7.0f, boost::test_tools::tolerance(0.5f / 7.0f));
  BOOST_TEST(plugin.control("short_term") == -23.0f, boost::test_tools::tolerance(0.5f / 23.0f));
  BOOST_TEST(plugin.control("momentary") < -10.0f);
  BOOST_TEST(plugin.control("integrated") < -10.0f);
}

// Bypass (lv2:enabled off) keeps the latency: the output is the input delayed
// by the reported latency, exactly, after the 10 ms crossfade.
BOOST_AUTO_TEST_CASE(bypass_keeps_the_latency) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "norm", "urn:lacquer:norm", 48000.0);
  plugin.control("enabled") = 0.0f;
  plugin.control("lookahead") = 0.1f;
  const test::Planar input(2, test::white_noise(48000, -12.0, 74));
  const test::Planar out = plugin.run(input, 256);
  const std::size_t latency = std::size_t(plugin.control("latency"));
  BOOST_TEST(latency == std::size_t(latency_frames(48000.0, 0.1f)));
  BOOST_TEST(test::max_difference_delayed(out, input, latency, 960) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
