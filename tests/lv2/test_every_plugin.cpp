// Promises every urn:lacquer:* plugin keeps: its generated TTL validates, it
// loads by path, runs any block size with the same result, reports its
// latency, and gives the same samples as its GStreamer element.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "gst_run.hpp"
#include "lv2_run.hpp"
#include "settings.hpp"

#include "../../lv2/common/ports.hpp"

#include <cstdio>
#include <string>

using namespace lacquer;

namespace {

int channels_for(const dsp::StageInfo& info) { return lv2::variants(info).front(); }

std::string uri_of(const dsp::StageInfo& info) { return lv2::plugin_uri(info, channels_for(info)); }

std::string port_symbol(const dsp::ParamRef& ref) { return dsp::flat_symbol(ref); }

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char line[512];
    while (fgets(line, sizeof line, pipe) != nullptr) out += line;
    pclose(pipe);
  }
  return out;
}

test::Planar noise(int channels, std::size_t frames) {
  test::Planar input;
  for (int c = 0; c < channels; ++c) input.push_back(test::white_noise(frames, -18.0, std::uint32_t(c + 3)));
  return input;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(every_plugin)

BOOST_AUTO_TEST_CASE(generated_ttl_validates_against_the_lv2_spec) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const std::string dir = std::string(LACQUER_BUILD_ROOT) + "/lv2/lacquer-" + std::string(entry.info->symbol) + ".lv2";
    const std::string report = command_output("lv2_validate " + dir + "/*.ttl 2>&1");
    BOOST_TEST(report.find("Found 0 errors") != std::string::npos, entry.info->symbol << ":\n" << report);
  }
}

BOOST_AUTO_TEST_CASE(every_variant_loads_and_reports_latency) {
  test::Lv2World world;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    for (int channels : lv2::variants(*entry.info)) {
      const std::string uri = lv2::plugin_uri(*entry.info, channels);
      BOOST_TEST_CONTEXT(uri) {
        test::Lv2Instance plugin(world, std::string(entry.info->symbol), uri, 48000.0);
        plugin.control("latency") = -1.0f;
        plugin.run(noise(channels, 4800), 480);
        dsp::StageRunner runner(entry.create());
        runner.prepare({.sample_rate = 48000.0, .channels = channels});
        BOOST_TEST(plugin.control("latency") == float(runner.latency()));
      }
    }
  }
}

// Block sizes from 1 to 8192, changing on every call, give the output of one
// steady block size.
BOOST_AUTO_TEST_CASE(block_size_does_not_change_the_output) {
  test::Lv2World world;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const int channels = channels_for(*entry.info);
    const auto input = noise(channels, 48000);
    const auto settings = test::settings_at(*entry.info, 0.3f);
    auto render = [&](auto&& block_of) {
      test::Lv2Instance plugin(world, std::string(entry.info->symbol), uri_of(*entry.info), 48000.0);
      for (const auto& s : settings) plugin.control(port_symbol(s.ref)) = s.value;
      test::Planar out{std::size_t(channels)};
      std::size_t done = 0;
      for (int call = 0; done < input.front().size(); ++call) {
        const std::size_t n = std::min<std::size_t>(block_of(call), input.front().size() - done);
        test::Planar piece;
        for (const auto& ch : input) piece.emplace_back(ch.begin() + std::ptrdiff_t(done), ch.begin() + std::ptrdiff_t(done + n));
        auto got = plugin.run(piece, int(n));
        for (std::size_t c = 0; c < out.size(); ++c) test::append(out[c], got[c]);
        done += n;
      }
      return out;
    };
    const auto steady = render([](int) { return std::size_t(512); });
    const int sizes[] = {1, 7, 64, 8192, 3, 1000, 4096, 2, 333};
    const auto varied = render([&](int call) { return std::size_t(sizes[call % 9]); });
    double worst = 0.0;
    for (std::size_t c = 0; c < steady.size(); ++c) {
      for (std::size_t i = 0; i < steady[c].size(); ++i) {
        worst = std::max(worst, std::fabs(double(steady[c][i]) - varied[c][i]));
      }
    }
    BOOST_TEST(worst <= 1e-6, entry.info->symbol << ": largest difference " << worst);
  }
}

// Same DSP, same result: the element and the plugin, with the same settings,
// give the same samples (the plugin's output is delayed by its latency, the
// element's is not).
BOOST_AUTO_TEST_CASE(element_and_plugin_give_the_same_samples) {
  test::Lv2World world;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const int channels = channels_for(*entry.info);
    const auto input = noise(channels, 48000);
    const auto settings = test::settings_at(*entry.info, 0.3f);
    test::Lv2Instance plugin(world, std::string(entry.info->symbol), uri_of(*entry.info), 48000.0);
    for (const auto& s : settings) plugin.control(port_symbol(s.ref)) = s.value;
    const auto from_lv2 = plugin.run(input, 1024);
    const auto latency = std::size_t(plugin.control("latency"));
    auto from_gst = test::run_gst("master" + std::string(entry.info->symbol) + test::gst_property_list(settings), input);
    BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
    double worst = 0.0;
    for (std::size_t c = 0; c < from_lv2.size(); ++c) {
      for (std::size_t i = 0; i + latency < from_lv2[c].size(); ++i) {
        worst = std::max(worst, std::fabs(double(from_lv2[c][i + latency]) - from_gst.output[c][i]));
      }
    }
    BOOST_TEST(worst <= 1e-6, entry.info->symbol << ": largest difference " << worst);
  }
}

BOOST_AUTO_TEST_CASE(instances_survive_activate_cycles) {
  test::Lv2World world;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const int channels = channels_for(*entry.info);
    for (int cycle = 0; cycle < 10; ++cycle) {
      test::Lv2Instance plugin(world, std::string(entry.info->symbol), uri_of(*entry.info),
                               cycle % 2 ? 44100.0 : 96000.0);
      const auto out = plugin.run(noise(channels, 2048), 256);
      for (const auto& ch : out) {
        for (float x : ch) BOOST_TEST_REQUIRE(std::isfinite(x));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
