// libFuzzer target for LV2 state: the input is a Turtle document such as a
// preset of lacquer-presets.lv2 or a host's saved state, read by
// lilv_state_new_from_string. When it applies to a lacquer plugin, a fresh
// instance of that build-tree plugin gets the state's port values restored
// (floats, doubles, integers and booleans, whatever their range) and then
// runs audio in blocks of 1 to 8192 frames drawn from the same bytes. Every
// output sample must be finite and the latency port non-negative.
#include "common/fuzzed_audio.hpp"

#include "lv2/common/ports.hpp"
// The test host keeps two members only GCC does not call unused.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-private-field"
#include "lv2_run.hpp"
#pragma clang diagnostic pop

#include <lacquer/dsp/registry.hpp>

#include <lv2/atom/atom.h>
#include <lv2/presets/presets.h>
#include <lv2/urid/urid.h>
#include <sord/sord.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace lacquer;

constexpr std::size_t kMaxDocument = 8192;
constexpr int kBlocks = 3;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz-lv2-state: %s\n", what);
  std::abort();
}

class UridMap {
 public:
  UridMap() { map_.handle = this, map_.map = &UridMap::map; }
  LV2_URID_Map* get() { return &map_; }
  LV2_URID id(const char* uri) { return map(this, uri); }

 private:
  static LV2_URID map(LV2_URID_Map_Handle handle, const char* uri) {
    auto& ids = static_cast<UridMap*>(handle)->ids_;
    return ids.emplace(uri, static_cast<LV2_URID>(ids.size() + 1)).first->second;
  }
  LV2_URID_Map map_{};
  std::unordered_map<std::string, LV2_URID> ids_;
};

struct Host {
  test::Lv2World world;
  UridMap urids;
  LV2_URID atom_float = urids.id(LV2_ATOM__Float);
  LV2_URID atom_double = urids.id(LV2_ATOM__Double);
  LV2_URID atom_int = urids.id(LV2_ATOM__Int);
  LV2_URID atom_long = urids.id(LV2_ATOM__Long);
  LV2_URID atom_bool = urids.id(LV2_ATOM__Bool);
};

Host* g_host = nullptr;

struct Restore {
  Host& host;
  test::Lv2Instance& instance;
};

void set_port_value(const char* symbol, void* user_data, const void* value, uint32_t size,
                    uint32_t type) {
  auto& r = *static_cast<Restore*>(user_data);
  float number = 0.0f;
  if (type == r.host.atom_float && size == sizeof(float)) {
    std::memcpy(&number, value, sizeof number);
  } else if (type == r.host.atom_double && size == sizeof(double)) {
    double d;
    std::memcpy(&d, value, sizeof d);
    number = static_cast<float>(d);
  } else if ((type == r.host.atom_int || type == r.host.atom_bool) && size == sizeof(int32_t)) {
    int32_t i;
    std::memcpy(&i, value, sizeof i);
    number = static_cast<float>(i);
  } else if (type == r.host.atom_long && size == sizeof(int64_t)) {
    int64_t i;
    std::memcpy(&i, value, sizeof i);
    number = static_cast<float>(i);
  } else {
    return;  // a host ignores what it cannot read
  }
  try {
    r.instance.control(symbol) = number;
  } catch (const std::runtime_error&) {
    // no such port: ignored, as a host would
  }
}

// The lilv of Debian 12 (0.24.14) dereferences a null node in
// lilv_state_new_from_string when the document parses but names no
// pset:Preset (its search for the state's subject comes back empty). The
// target is after the plugins, not the host's parser, so such documents are
// screened out first with sord, the parser lilv itself uses.
bool names_a_preset(const std::string& document) {
  SordWorld* world = sord_world_new();
  // Indexed as lilv indexes it: with SPO alone, sord answers a search with
  // a free subject wrongly.
  SordModel* model = sord_new(world, SORD_SPO | SORD_OPS, false);
  SerdEnv* env = serd_env_new(nullptr);
  SerdReader* reader = sord_new_reader(model, env, SERD_TURTLE, nullptr);
  serd_reader_set_strict(reader, true);
  const SerdStatus status =
      serd_reader_read_string(reader, reinterpret_cast<const uint8_t*>(document.c_str()));
  SordNode* type = sord_new_uri(world, reinterpret_cast<const uint8_t*>(
                                           "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"));
  SordNode* preset = sord_new_uri(world, reinterpret_cast<const uint8_t*>(LV2_PRESETS__Preset));
  const bool found = status == SERD_SUCCESS && sord_ask(model, nullptr, type, preset, nullptr);
  sord_node_free(world, preset);
  sord_node_free(world, type);
  serd_reader_free(reader);
  serd_env_free(env);
  sord_free(model);
  sord_world_free(world);
  return found;
}

// "urn:lacquer:eq#mono" -> the registry entry of "eq".
const dsp::StageEntry* stage_of(const std::string& uri) {
  const std::string prefix = "urn:lacquer:";
  if (uri.rfind(prefix, 0) != 0) return nullptr;
  const std::string rest = uri.substr(prefix.size());
  return dsp::find_stage(rest.substr(0, rest.find('#')));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Every plugin library stays mapped for the life of the process: libFuzzer
  // counts coverage in each module's counters, which must not vanish when
  // lilv frees an instance and unloads its library.
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const std::string stage(entry.info->symbol);
    const std::string library = std::string(LACQUER_BUILD_ROOT) + "/lv2/lacquer-" + stage +
                                ".lv2/lacquer-" + stage + ".so";
    if (dlopen(library.c_str(), RTLD_NOW | RTLD_NODELETE) == nullptr) fail(dlerror());
  }
  g_host = new Host;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxDocument) return 0;
  const std::string document(reinterpret_cast<const char*>(data), size);
  if (document.find('\0') != std::string::npos || !names_a_preset(document)) return 0;
  LilvState* state =
      lilv_state_new_from_string(g_host->world.get(), g_host->urids.get(), document.c_str());
  if (state == nullptr) return 0;
  const LilvNode* plugin_uri = lilv_state_get_plugin_uri(state);
  const std::string uri = plugin_uri != nullptr && lilv_node_is_uri(plugin_uri)
                              ? lilv_node_as_uri(plugin_uri) : "";
  const dsp::StageEntry* entry = stage_of(uri);
  int channels = 0;
  for (int c : entry != nullptr ? lv2::variants(*entry->info) : std::vector<int>{}) {
    if (lv2::plugin_uri(*entry->info, c) == uri) channels = c;
  }
  std::unique_ptr<test::Lv2Instance> instance;
  if (channels > 0) {
    try {
      instance = std::make_unique<test::Lv2Instance>(g_host->world, std::string(entry->info->symbol),
                                                     uri, 48000.0);
    } catch (const std::runtime_error&) {
      // not a plugin of this build (an unknown variant)
    }
  }
  if (instance == nullptr) {
    lilv_state_free(state);
    return 0;
  }
  Restore restore{*g_host, *instance};
  lilv_state_restore(state, nullptr, set_port_value, &restore, 0, nullptr);
  lilv_state_free(state);

  FuzzedDataProvider in(data, size);
  for (int b = 0; b < kBlocks; ++b) {
    const int frames = in.ConsumeIntegralInRange<int>(1, 8192);
    test::Planar audio{std::size_t(channels), std::vector<float>(std::size_t(frames))};
    fuzz::fill_block(in, audio, frames);
    const test::Planar out = instance->run(audio, frames);
    for (const auto& channel : out) {
      for (float y : channel) {
        if (!std::isfinite(y)) fail("a plugin output a non-finite sample");
      }
    }
    if (!(instance->control("latency") >= 0.0f)) fail("negative latency");
  }
  return 0;
}
