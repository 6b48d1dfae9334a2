// urn:lacquer:eq in a host: the latency port (none in minimum phase, L / 2 in
// linear phase), and the same samples as mastereq with the same settings.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <lacquer/dsp/equalizer.hpp>
#include <lacquer/dsp/registry.hpp>
#include <string>
#include <utility>
#include <vector>

#include "../../lv2/common/ports.hpp"
#include "gst_run.hpp"
#include "lv2_run.hpp"

using namespace lacquer;

namespace {

const dsp::StageInfo& info() { return *dsp::find_stage("eq")->info; }

int linear_latency(double rate) {
  auto stage = dsp::find_stage("eq")->create();
  stage->set(dsp::Equalizer::kPhase, 1.0f);
  dsp::ProcessSpec spec;
  spec.sample_rate = rate;
  stage->prepare(spec);
  return stage->latency();
}

// Five bands that all act, one on the side, and an output gain: the LV2
// symbols and the GStreamer properties of the same settings.
const std::vector<std::pair<std::string, float>> kSettings = {
    {"band1_type", 1.0f},    {"band1_freq", 80.0f}, {"band1_gain", 2.5f},
    {"band1_q", 0.707f},     {"band2_type", 0.0f},  {"band2_freq", 300.0f},
    {"band2_gain", -3.0f},   {"band2_q", 1.5f},     {"band3_type", 0.0f},
    {"band3_freq", 4000.0f}, {"band3_gain", 2.0f},  {"band3_q", 2.0f},
    {"band3_channel", 4.0f}, {"band4_type", 2.0f},  {"band4_freq", 11000.0f},
    {"band4_gain", -1.5f},   {"band4_q", 0.707f},   {"band5_type", 3.0f},
    {"band5_freq", 30.0f},   {"band5_slope", 3.0f}, {"output_gain", -1.0f},
};
const char* kElement =
    "mastereq output-gain=-1 "
    "band1::type=low_shelf band1::freq=80 band1::gain=2.5 band1::q=0.707 "
    "band2::type=bell band2::freq=300 band2::gain=-3 band2::q=1.5 "
    "band3::type=bell band3::freq=4000 band3::gain=2 band3::q=2 band3::channel=side "
    "band4::type=high_shelf band4::freq=11000 band4::gain=-1.5 band4::q=0.707 "
    "band5::type=low_cut band5::freq=30 band5::slope=24dB";

}  // namespace

BOOST_AUTO_TEST_SUITE(lv2_eq)

// Stereo at urn:lacquer:eq and a mono variant; the latency port reads 0 in
// minimum phase and the FIR's half length in linear phase, and follows the
// phase control.
BOOST_AUTO_TEST_CASE(latency_port_follows_the_phase_mode) {
  BOOST_TEST(lv2::variants(info()) == std::vector<int>({2, 1}), boost::test_tools::per_element());
  BOOST_TEST(lv2::plugin_uri(info(), 2) == "urn:lacquer:eq");
  test::Lv2World world;
  for (int channels : {2, 1}) {
    BOOST_TEST_CONTEXT(channels << " channels") {
      test::Lv2Instance plugin(world, "eq", lv2::plugin_uri(info(), channels), 48000.0);
      const test::Planar input(std::size_t(channels), test::white_noise(4800, -20.0, 71));
      plugin.control("latency") = -1.0f;
      plugin.run(input, 480);
      BOOST_TEST(plugin.control("latency") == 0.0f);
      plugin.control("phase") = 1.0f;
      plugin.run(input, 480);
      BOOST_TEST(plugin.control("latency") == float(linear_latency(48000.0)));
    }
  }
}

// Issue 3: the same settings through mastereq and the LV2 plugin give the
// same samples, in both phase modes, with host blocks unlike the element's
// buffers: the plugin's output moved back by its latency equals the
// element's within 1e-6.
BOOST_AUTO_TEST_CASE(plugin_and_element_give_the_same_samples) {
  const double rate = 48000.0;
  const test::Planar input{test::white_noise(48000, -12.0, 72),
                           test::white_noise(48000, -16.0, 73)};
  for (bool linear : {false, true}) {
    BOOST_TEST_CONTEXT((linear ? "linear" : "minimum")) {
      test::Lv2World world;
      test::Lv2Instance plugin(world, "eq", "urn:lacquer:eq", rate);
      for (const auto& [symbol, value] : kSettings) plugin.control(symbol) = value;
      plugin.control("phase") = linear ? 1.0f : 0.0f;
      // Enough input for the linear-phase latency to pass through.
      test::Planar padded = input;
      const std::size_t pad = linear ? std::size_t(linear_latency(rate)) : 0;
      for (auto& ch : padded) ch.resize(ch.size() + pad, 0.0f);
      const test::Planar from_lv2 = plugin.run(padded, 700);
      const int latency = int(plugin.control("latency"));
      BOOST_TEST(latency == (linear ? linear_latency(rate) : 0));
      auto from_gst = test::run_gst(std::string(kElement) + (linear ? " phase=linear" : ""), input);
      BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
      BOOST_TEST_REQUIRE(from_gst.output.size() == 2u);
      BOOST_TEST_REQUIRE(from_gst.output[0].size() == input[0].size());
      double worst = 0.0, moved = 0.0;
      for (std::size_t c = 0; c < 2; ++c) {
        for (std::size_t i = 0; i < input[c].size(); ++i) {
          worst = std::max(worst, std::fabs(double(from_lv2[c][i + std::size_t(latency)]) -
                                            from_gst.output[c][i]));
          moved = std::max(moved, std::fabs(double(from_gst.output[c][i]) - input[c][i]));
        }
      }
      BOOST_TEST(worst <= 1e-6);
      BOOST_TEST(moved > 0.01);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
