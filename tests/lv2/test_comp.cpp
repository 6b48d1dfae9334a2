// urn:lacquer:comp through lilv: the same samples as mastercomp with every
// feature engaged, the lookahead on the latency port, and the gain-reduction
// output port.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"
#include "lv2_run.hpp"

#include <algorithm>
#include <cmath>

using namespace lacquer;

BOOST_AUTO_TEST_SUITE(lv2_comp)

// Mid/side, RMS detector, sidechain high-pass, auto release and make-up,
// parallel mix, 5 ms lookahead: the plugin's output, moved back by its
// latency port, equals the element's within 1e-6.
BOOST_AUTO_TEST_CASE(plugin_and_element_give_the_same_samples) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "comp", "urn:lacquer:comp", 48000.0);
  const test::Planar input{test::white_noise(48000, -14.0, 7), test::white_noise(48000, -20.0, 8)};
  const std::pair<const char*, float> settings[] = {
      {"threshold", -32}, {"ratio", 5}, {"knee", 8}, {"attack", 3}, {"release", 80}, {"auto_release", 1},
      {"auto_makeup", 1}, {"detector", 1}, {"window", 15}, {"link", 40}, {"mode", 1},
      {"sidechain_hpf", 90}, {"mix", 75}, {"lookahead", 5}};
  std::string description = "mastercomp";
  for (const auto& [symbol, value] : settings) {
    plugin.control(symbol) = value;
    std::string property = symbol;
    std::replace(property.begin(), property.end(), '_', '-');
    if (property == "detector") {
      description += " detector=rms";
    } else if (property == "mode") {
      description += " mode=mid_side";
    } else if (property == "auto-release" || property == "auto-makeup") {
      description += " " + property + "=true";
    } else {
      description += " " + property + "=" + std::to_string(value);
    }
  }
  const auto from_lv2 = plugin.run(input, 1024);
  BOOST_TEST(plugin.control("latency") == 240.0f);
  const auto from_gst = test::run_gst(description, input);
  BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
  double worst = 0.0;
  for (std::size_t c = 0; c < 2; ++c) {
    for (std::size_t i = 0; i + 240 < input[c].size(); ++i) {
      worst = std::max(worst, std::fabs(double(from_lv2[c][i + 240]) - from_gst.output[c][i]));
    }
  }
  BOOST_TEST_MESSAGE("comp: largest element/plugin difference " << worst);
  BOOST_TEST(worst <= 1e-6);
}

// The gain_reduction output port reads the reduction of the static curve:
// -6 dBFS, threshold -20, 4:1, hard knee -> 10.5 dB, within 0.1 dB.
BOOST_AUTO_TEST_CASE(gain_reduction_port_reads_the_static_curve) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "comp", "urn:lacquer:comp", 48000.0);
  plugin.control("threshold") = -20.0f;
  plugin.control("ratio") = 4.0f;
  plugin.control("knee") = 0.0f;
  const auto tone = test::sine(48000.0, 997.0, -6.0, 48000);
  plugin.run({tone, tone}, 512);
  BOOST_TEST(std::fabs(plugin.control("gain_reduction") - 10.5f) <= 0.1f);
  BOOST_TEST(plugin.control("latency") == 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()
