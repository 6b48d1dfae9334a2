// urn:lacquer:dither in a host: float output on the chosen grid, the same
// samples as the GStreamer element, no latency, silence kept silent.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/dither.hpp>
#include <lacquer/dsp/registry.hpp>

#include "gst_run.hpp"
#include "lv2_run.hpp"

#include "../../lv2/common/ports.hpp"

#include <algorithm>
#include <cmath>
#include <string>

using namespace lacquer;

namespace {

const dsp::StageInfo& info() { return *dsp::find_stage("dither")->info; }

test::Planar programme(int channels, std::size_t frames) {
  test::Planar out;
  for (int c = 0; c < channels; ++c) {
    out.push_back(test::white_noise(frames, -18.0, std::uint32_t(31 + c)));
  }
  return out;
}

void configure(test::Lv2Instance& plugin, int bits, dsp::DitherType type, int seed) {
  plugin.control("bits") = float(bits);
  plugin.control("type") = float(int(type));
  plugin.control("shape") = float(int(dsp::NoiseShapingCurve::aggressive));
  plugin.control("seed") = float(seed);
}

long off_grid(const test::Planar& audio, int bits) {
  const double scale = std::ldexp(1.0, bits - 1);
  long count = 0;
  for (const auto& ch : audio) {
    for (float y : ch) {
      const double k = double(y) * scale;
      count += k != std::floor(k) || k < -scale || k > scale - 1.0;
    }
  }
  return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lv2_dither)

// Both variants write float samples exactly on the grid, at every word length
// and type, and report zero latency.
BOOST_AUTO_TEST_CASE(output_lies_on_the_grid_with_zero_latency) {
  test::Lv2World world;
  for (int channels : lv2::variants(info())) {
    const std::string uri = lv2::plugin_uri(info(), channels);
    for (int bits : {8, 16, 24}) {
      for (auto type : {dsp::DitherType::none, dsp::DitherType::tpdf, dsp::DitherType::shaped}) {
        BOOST_TEST_CONTEXT(uri << ", " << bits << " bits, type " << int(type)) {
          test::Lv2Instance plugin(world, "dither", uri, 44100.0);
          configure(plugin, bits, type, 1);
          plugin.control("latency") = -1.0f;
          const auto out = plugin.run(programme(channels, 22050), 512);
          BOOST_TEST(off_grid(out, bits) == 0);
          BOOST_TEST(plugin.control("latency") == 0.0f);
        }
      }
    }
  }
}

// Same DSP, same result: the plugin's float output is exactly the value of
// each 16-bit word the element writes, with the same seed.
BOOST_AUTO_TEST_CASE(same_samples_as_the_element_s16_words) {
  const auto input = programme(2, 48000);
  test::Lv2World world;
  test::Lv2Instance plugin(world, "dither", lv2::plugin_uri(info(), 2), 48000.0);
  configure(plugin, 16, dsp::DitherType::shaped, 9);
  const auto from_lv2 = plugin.run(input, 333);
  auto from_gst = test::run_gst(
      "masterdither bits=16 type=shaped shape=aggressive seed=9 ! audio/x-raw,format=S16LE", input);
  BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
  long differences = 0;
  for (std::size_t c = 0; c < 2; ++c) {
    BOOST_TEST_REQUIRE(from_gst.output[c].size() == from_lv2[c].size());
    for (std::size_t i = 0; i < from_lv2[c].size(); ++i) {
      differences += from_lv2[c][i] != from_gst.output[c][i];
    }
  }
  BOOST_TEST(differences == 0);
}

// A re-render with the same seed reproduces bit for bit; another seed does not.
BOOST_AUTO_TEST_CASE(seed_reproduces_the_render) {
  const auto input = programme(2, 24000);
  test::Lv2World world;
  auto render = [&](int seed) {
    test::Lv2Instance plugin(world, "dither", lv2::plugin_uri(info(), 2), 48000.0);
    configure(plugin, 16, dsp::DitherType::tpdf, seed);
    return plugin.run(input, 1024);
  };
  const auto first = render(5);
  BOOST_TEST((render(5) == first));
  BOOST_TEST((render(6) != first));
}

// Silence in, silence out (auto-blank defaults to on).
BOOST_AUTO_TEST_CASE(silence_stays_silent) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "dither", lv2::plugin_uri(info(), 2), 48000.0);
  configure(plugin, 16, dsp::DitherType::shaped, 1);
  const auto out = plugin.run(test::Planar(2, std::vector<float>(48000, 0.0f)), 256);
  for (const auto& ch : out) {
    BOOST_TEST(std::all_of(ch.begin(), ch.end(), [](float y) { return y == 0.0f; }));
  }
}

BOOST_AUTO_TEST_SUITE_END()
