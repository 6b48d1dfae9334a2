// libFuzzer target for the preset files of the elements (GstPreset keyfiles,
// GstMaster<Stage>.prs and GstMasterChain.prs). The first byte picks the
// element (a stage element, or masterchain); the rest
// is written as the user's preset file of that element type
// ($XDG_DATA_HOME/gstreamer-1.0/presets/), beside the generated ones of this
// build (GST_PRESET_PATH=<build>/presets). GStreamer's own loader reads it
// (a fresh read for every input: the keyfile it caches per type is dropped),
// every preset it lists is loaded into a new element, and audio then runs
// through the element and must stay finite; GLib criticals abort.
#include "common/gst_fuzz.hpp"

#include <lacquer/dsp/registry.hpp>

#include <glib/gstdio.h>

#include <cstdio>
#include <string>

namespace {

constexpr std::size_t kMaxFile = 8192;
constexpr int kMaxPresets = 16;
std::string g_user_dir;  // $XDG_DATA_HOME/gstreamer-1.0/presets

std::string camel(std::string_view symbol) {
  std::string out(symbol);
  if (!out.empty()) out[0] = static_cast<char>(g_ascii_toupper(out[0]));
  return out;
}

// GstPreset keeps the parsed keyfile of a type for the life of the process;
// drop it so the next call reads the files again.
void forget_cached_presets(GType type) {
  const GQuark cache = g_quark_from_static_string("GstPreset::presets");
  if (auto* keyfile = static_cast<GKeyFile*>(g_type_get_qdata(type, cache))) {
    g_key_file_free(keyfile);
    g_type_set_qdata(type, cache, nullptr);
  }
}

// GStreamer 1.22 reads a preset file's version with sscanf on what
// g_key_file_get_value returned, NULL when the header names the element but
// has no `version` key (preset_open_and_parse_header): the loader itself
// crashes. Such files are left out; the target is after the elements.
bool crashes_gstreamer_loader(const char* text, std::size_t size, const std::string& type_name) {
  GKeyFile* file = g_key_file_new();
  bool crashes = false;
  if (g_key_file_load_from_data(file, text, size,
                                static_cast<GKeyFileFlags>(G_KEY_FILE_KEEP_COMMENTS |
                                                           G_KEY_FILE_KEEP_TRANSLATIONS),
                                nullptr)) {
    gchar* name = g_key_file_get_value(file, "_presets_", "element-name", nullptr);
    gchar* version = g_key_file_get_value(file, "_presets_", "version", nullptr);
    crashes = name != nullptr && type_name == name && version == nullptr;
    g_free(version);
    g_free(name);
  }
  g_key_file_free(file);
  return crashes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string root = LACQUER_BUILD_ROOT;
  const std::string data_home = root + "/fuzz/preset-home";
  setenv("XDG_DATA_HOME", data_home.c_str(), 1);
  setenv("GST_PRESET_PATH", (root + "/presets").c_str(), 1);
  g_user_dir = data_home + "/gstreamer-1.0/presets";
  g_mkdir_with_parents(g_user_dir.c_str(), 0755);
  lacquer::fuzz::init_isolated_gstreamer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > kMaxFile) return 0;
  const auto stages = lacquer::dsp::stages();
  const std::size_t pick = data[0] % (stages.size() + 1);
  const std::string symbol(pick < stages.size() ? stages[pick].info->symbol : "chain");
  const std::string factory = "master" + symbol;
  const std::string type_name = "GstMaster" + camel(symbol);
  const std::string path = g_user_dir + "/" + type_name + ".prs";
  const auto* text = reinterpret_cast<const char*>(data + 1);
  if (crashes_gstreamer_loader(text, size - 1, type_name)) return 0;
  if (!g_file_set_contents(path.c_str(), text, static_cast<gssize>(size - 1), nullptr)) {
    lacquer::fuzz::gst_target_failed("cannot write the preset file");
  }

  GstElement* element = gst_element_factory_make(factory.c_str(), nullptr);
  if (element == nullptr) lacquer::fuzz::gst_target_failed("no such element");
  gst_object_ref_sink(element);
  forget_cached_presets(G_OBJECT_TYPE(element));
  gchar** names = gst_preset_get_preset_names(GST_PRESET(element));
  for (int i = 0; names != nullptr && names[i] != nullptr && i < kMaxPresets; ++i) {
    gst_preset_load_preset(GST_PRESET(element), names[i]);
  }
  g_strfreev(names);
  FuzzedDataProvider audio(data, size);
  lacquer::fuzz::run_audio_through(element, audio);
  gst_object_unref(element);
  return 0;
}
