// urn:lacquer:imager in a host: stereo only, no latency, the same samples as
// masterimager with every feature on, and the meters on output ports.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>

#include "../../lv2/common/ports.hpp"
#include "gst_run.hpp"
#include "lv2_run.hpp"

#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

using namespace lacquer;

namespace {

const dsp::StageInfo& info() { return *dsp::find_stage("imager")->info; }

test::Planar independent_noise(std::size_t frames) {
  return {test::white_noise(frames, -18.0, 41), test::white_noise(frames, -18.0, 42)};
}

// Every feature on, each away from its default; as LV2 port symbols and as the
// matching gst-launch properties.
const std::vector<std::pair<std::string, float>> kBusySettings = {
    {"width", 140.0f},           {"mid_gain", -1.5f},     {"side_gain", 2.0f},
    {"balance", -12.0f},         {"rotation", 7.0f},      {"bass_mono", 1.0f},
    {"bass_mono_freq", 150.0f},  {"multiband", 1.0f},     {"low_crossover", 300.0f},
    {"high_crossover", 5000.0f}, {"safety", 1.0f},        {"min_correlation", 0.1f},
    {"band1_width", 40.0f},      {"band2_width", 120.0f}, {"band3_width", 170.0f},
};
const char* kBusyElement =
    "masterimager width=140 mid-gain=-1.5 side-gain=2 balance=-12 rotation=7 bass-mono=true "
    "bass-mono-freq=150 multiband=true low-crossover=300 high-crossover=5000 safety=true "
    "min-correlation=0.1 band1::width=40 band2::width=120 band3::width=170";

}  // namespace

BOOST_AUTO_TEST_SUITE(lv2_imager)

// One variant only, stereo, at urn:lacquer:imager, reporting zero latency.
BOOST_AUTO_TEST_CASE(one_stereo_variant_with_zero_latency) {
  BOOST_TEST(lv2::variants(info()) == std::vector<int>{2}, boost::test_tools::per_element());
  BOOST_TEST(lv2::plugin_uri(info(), 2) == "urn:lacquer:imager");
  test::Lv2World world;
  test::Lv2Instance plugin(world, "imager", "urn:lacquer:imager", 48000.0);
  plugin.control("latency") = -1.0f;
  plugin.run(independent_noise(4800), 480);
  BOOST_TEST(plugin.control("latency") == 0.0f);
}

// Issue 5: the element and the plugin give the same samples, here with
// per-band width, bass mono, rotation and the safety all working, and host
// blocks that differ from the element's buffers.
BOOST_AUTO_TEST_CASE(element_and_plugin_give_the_same_samples_with_everything_on) {
  const test::Planar input = independent_noise(48000 * 2);
  test::Lv2World world;
  test::Lv2Instance plugin(world, "imager", "urn:lacquer:imager", 48000.0);
  for (const auto& [symbol, value] : kBusySettings) plugin.control(symbol) = value;
  const test::Planar from_lv2 = plugin.run(input, 700);
  auto from_gst = test::run_gst(kBusyElement, input, {.block = 1024});
  BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
  BOOST_TEST_REQUIRE(from_gst.output.size() == 2u);
  BOOST_TEST_REQUIRE(from_gst.output[0].size() == from_lv2[0].size());
  double worst = 0.0;
  double side_change = 0.0;
  for (std::size_t c = 0; c < 2; ++c) {
    for (std::size_t i = 0; i < from_lv2[c].size(); ++i) {
      worst = std::max(worst, std::fabs(double(from_lv2[c][i]) - from_gst.output[c][i]));
      side_change = std::max(side_change, std::fabs(double(from_lv2[c][i]) - input[c][i]));
    }
  }
  BOOST_TEST(worst <= 1e-6);
  BOOST_TEST(side_change > 0.01);  // the settings did reach both faces
}

// The meters are output control ports: correlation +1 / -1 within 0.02 for
// identical and inverted channels; 3.01 LU of mono loss (±0.1 LU) and
// correlation 0 for two sines 90° apart.
BOOST_AUTO_TEST_CASE(meters_are_output_ports) {
  const double rate = 48000.0;
  const auto noise = test::white_noise(96000, -20.0, 43);
  std::vector<float> inverted(noise.size());
  for (std::size_t i = 0; i < noise.size(); ++i) inverted[i] = -noise[i];
  test::Lv2World world;
  auto read = [&](const test::Planar& input, const char* port) {
    test::Lv2Instance plugin(world, "imager", "urn:lacquer:imager", rate);
    plugin.control(port) = 1000.0f;  // never a value the meter could hold
    plugin.run(input, 1024);
    return double(plugin.control(port));
  };
  BOOST_TEST(std::fabs(read({noise, noise}, "correlation") - 1.0) < 0.02);
  BOOST_TEST(std::fabs(read({noise, inverted}, "correlation") + 1.0) < 0.02);
  const test::Planar quadrature{test::sine(rate, 1000.0, -12.0, 96000),
                                test::sine(rate, 1000.0, -12.0, 96000, std::numbers::pi / 2)};
  BOOST_TEST(std::fabs(read(quadrature, "correlation")) < 0.02);
  BOOST_TEST(std::fabs(read(quadrature, "mono_loss") - 10.0 * std::log10(2.0)) < 0.1);
}

BOOST_AUTO_TEST_SUITE_END()
