// Promises every urn:lacquer:* plugin keeps: its generated TTL validates, it
// loads by path, runs any block size with the same result, reports its
// latency, gives the same samples as its GStreamer element, takes its ports
// reconnected between any two calls, starts clean at a new sample rate, and
// its controls survive a host's state save and restore.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "gst_run.hpp"
#include "lv2_run.hpp"
#include "settings.hpp"

#include "../../lv2/common/ports.hpp"

#include <lv2/atom/atom.h>
#include <lv2/urid/urid.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

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

double largest_difference(const test::Planar& a, const test::Planar& b) {
  double worst = 0.0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    for (std::size_t i = 0; i < a[c].size(); ++i) worst = std::max(worst, std::fabs(double(a[c][i]) - b[c][i]));
  }
  return worst;
}

// The URID map and unmap features a host hands to lilv's state functions.
class UridMap {
 public:
  UridMap() : map_{this, &UridMap::map}, unmap_{this, &UridMap::unmap} {}
  UridMap(const UridMap&) = delete;
  UridMap& operator=(const UridMap&) = delete;
  LV2_URID_Map* map_feature() { return &map_; }
  LV2_URID_Unmap* unmap_feature() { return &unmap_; }
  LV2_URID id(const char* uri) { return map(this, uri); }

 private:
  static LV2_URID map(LV2_URID_Map_Handle handle, const char* uri) {
    auto* self = static_cast<UridMap*>(handle);
    auto [it, added] = self->ids_.try_emplace(uri, LV2_URID(self->ids_.size() + 1));
    if (added) self->uris_.push_back(it->first);
    return it->second;
  }
  static const char* unmap(LV2_URID_Unmap_Handle handle, LV2_URID urid) {
    auto* self = static_cast<UridMap*>(handle);
    return urid >= 1 && urid <= self->uris_.size() ? self->uris_[urid - 1].c_str() : nullptr;
  }
  std::map<std::string, LV2_URID> ids_;
  std::vector<std::string> uris_;  // by id - 1
  LV2_URID_Map map_;
  LV2_URID_Unmap unmap_;
};

// Port values as lilv asks for them (get) and hands them back (set).
struct PortValues {
  test::Lv2Instance* plugin;
  LV2_URID float_type;
  bool wrong_type = false;

  static const void* get(const char* symbol, void* self, uint32_t* size, uint32_t* type) {
    auto* values = static_cast<PortValues*>(self);
    *size = sizeof(float);
    *type = values->float_type;
    return &values->plugin->control(symbol);
  }
  static void set(const char* symbol, void* self, const void* value, uint32_t size, uint32_t type) {
    auto* values = static_cast<PortValues*>(self);
    if (size != sizeof(float) || type != values->float_type) {
      values->wrong_type = true;
      return;
    }
    values->plugin->control(symbol) = *static_cast<const float*>(value);
  }
};

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
    const double worst = largest_difference(steady, varied);
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

// A new sample rate is a new instance: instantiate / activate / run /
// deactivate / cleanup at 96 and 44.1 kHz in turn, each instance reporting
// the stage's latency at its rate and giving, from the same input, exactly
// what the first instance at that rate gave (nothing carries over).
BOOST_AUTO_TEST_CASE(instances_survive_activate_cycles) {
  test::Lv2World world;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const int channels = channels_for(*entry.info);
    const auto input = noise(channels, 4096);
    std::map<double, test::Planar> first;
    BOOST_TEST_CONTEXT(entry.info->symbol) {
      for (int cycle = 0; cycle < 10; ++cycle) {
        const double rate = cycle % 2 ? 44100.0 : 96000.0;
        test::Lv2Instance plugin(world, std::string(entry.info->symbol), uri_of(*entry.info), rate);
        const auto out = plugin.run(input, 256);
        dsp::StageRunner runner(entry.create());
        runner.prepare({.sample_rate = rate, .channels = channels});
        BOOST_TEST(plugin.control("latency") == float(runner.latency()), "at " << rate);
        auto [it, added] = first.try_emplace(rate, out);
        if (!added) BOOST_TEST(largest_difference(out, it->second) == 0.0, "at " << rate);
        for (const auto& ch : out) {
          for (float x : ch) BOOST_TEST_REQUIRE(std::isfinite(x));
        }
      }
    }
  }
}

// A host may connect any port to another buffer between two run() calls,
// and run in place (an output on its input's buffer): with every port moved
// before every call, in place every other call, the output equals that of an
// instance left alone. The old buffers are freed at once, so a plugin that
// kept a pointer to one is caught by AddressSanitizer.
BOOST_AUTO_TEST_CASE(ports_reconnected_between_calls) {
  test::Lv2World world;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const int channels = channels_for(*entry.info);
    const auto input = noise(channels, 24000);
    const auto settings = test::settings_at(*entry.info, 0.3f);
    auto render = [&](bool reconnect) {
      test::Lv2Instance plugin(world, std::string(entry.info->symbol), uri_of(*entry.info), 48000.0);
      for (const auto& s : settings) plugin.control(port_symbol(s.ref)) = s.value;
      int call = 0;
      return plugin.run(input, 500, [&](test::Lv2Instance& p, std::size_t) {
        if (reconnect) p.reconnect(++call % 2 == 0);
      });
    };
    const auto steady = render(false);
    const auto moved = render(true);
    BOOST_TEST(largest_difference(steady, moved) == 0.0, entry.info->symbol);
  }
}

// State save and restore the way a host does it through lilv: the port
// values of a configured instance, saved, written to Turtle, read back and
// restored into a fresh instance, make it give the same samples.
BOOST_AUTO_TEST_CASE(state_round_trip_through_lilv) {
  test::Lv2World world;
  UridMap urids;
  const LV2_Feature map_feature{LV2_URID__map, urids.map_feature()};
  const LV2_Feature unmap_feature{LV2_URID__unmap, urids.unmap_feature()};
  const LV2_Feature* features[] = {&map_feature, &unmap_feature, nullptr};
  const LV2_URID float_type = urids.id(LV2_ATOM__Float);
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const int channels = channels_for(*entry.info);
    const std::string uri = uri_of(*entry.info);
    BOOST_TEST_CONTEXT(uri) {
      test::Lv2Instance saved(world, std::string(entry.info->symbol), uri, 48000.0);
      const auto settings = test::settings_at(*entry.info, 0.3f);
      for (const auto& s : settings) saved.control(port_symbol(s.ref)) = s.value;
      PortValues from{&saved, float_type};
      LilvState* state = lilv_state_new_from_instance(saved.plugin(), saved.instance(), urids.map_feature(),
                                                      nullptr, nullptr, nullptr, nullptr, &PortValues::get,
                                                      &from, 0, features);
      BOOST_TEST_REQUIRE(state != nullptr);
      char* text = lilv_state_to_string(world.get(), urids.map_feature(), urids.unmap_feature(), state,
                                        "urn:lacquer:test-state", nullptr);
      lilv_state_free(state);
      BOOST_TEST_REQUIRE(text != nullptr);
      const std::string turtle = text;
      lilv_free(text);

      LilvState* loaded = lilv_state_new_from_string(world.get(), urids.map_feature(), turtle.c_str());
      BOOST_TEST_REQUIRE(loaded != nullptr, turtle);
      BOOST_TEST(lilv_state_get_num_properties(loaded) == 0u);
      test::Lv2Instance restored(world, std::string(entry.info->symbol), uri, 48000.0);
      PortValues into{&restored, float_type};
      lilv_state_restore(loaded, restored.instance(), &PortValues::set, &into, 0, features);
      lilv_state_free(loaded);
      BOOST_TEST(!into.wrong_type);
      int differing = 0;
      for (const auto& s : settings) {
        BOOST_TEST(restored.control(port_symbol(s.ref)) == s.value, port_symbol(s.ref));
        differing += s.value != s.ref.param->def ? 1 : 0;
      }
      // Every stage with a control has something for the round trip to carry
      // (the meter has none).
      BOOST_TEST((settings.empty() || differing > 0));

      const auto input = noise(channels, 24000);
      const auto a = saved.run(input, 512);
      const auto b = restored.run(input, 512);
      BOOST_TEST(largest_difference(a, b) == 0.0);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
