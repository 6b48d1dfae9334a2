// GStreamer for the fuzz targets: the lacquer plugin of this build tree in an
// isolated registry that holds nothing else (no system plugins, so a fuzzed
// pipeline description can create no element that touches files or devices),
// and a run of audio through one element that checks what comes out.
#pragma once

#include "fuzzed_audio.hpp"

#include <lacquer/dsp/registry.hpp>

#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#ifndef LACQUER_BUILD_ROOT
#error "LACQUER_BUILD_ROOT must name the build directory"
#endif

namespace lacquer::fuzz {

[[noreturn]] inline void gst_target_failed(const char* what) {
  std::fprintf(stderr, "fuzz: %s\n", what);
  std::abort();
}

// A GLib critical (a failed precondition inside an element) is a bug to
// find: abort, so that libFuzzer keeps the input. Warnings (a property value
// out of range, an unknown preset) are what bad text should give.
//
// One critical is GStreamer's own and harmless: for a property path through a
// bin that does not resolve ("masterchain eq::band9::gain=1"), gst_parse
// walks the path's remaining children as if each were a bin
// (gst_parse_add_delayed_set), and a stage element is a child proxy but no
// bin. The lookup then just fails, as it should.
inline void abort_on_critical(const gchar* domain, GLogLevelFlags level, const gchar* message,
                              gpointer) {
  std::fprintf(stderr, "%s: %s\n", domain != nullptr ? domain : "", message);
  const std::string text = message != nullptr ? message : "";
  if (text.find("gst_bin_get_by_name: assertion 'GST_IS_BIN (bin)' failed") != std::string::npos) {
    return;
  }
  if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) != 0) std::abort();
}

// Once per process, before anything else touches GStreamer.
inline void init_isolated_gstreamer() {
  const std::string root = LACQUER_BUILD_ROOT;
  setenv("GST_REGISTRY_1_0", (root + "/fuzz/gst-registry.bin").c_str(), 1);
  setenv("GST_PLUGIN_PATH_1_0", (root + "/elements").c_str(), 1);
  setenv("GST_PLUGIN_SYSTEM_PATH_1_0", "", 1);
  setenv("GST_REGISTRY_FORK", "no", 1);
  gst_init(nullptr, nullptr);
  g_log_set_default_handler(abort_on_critical, nullptr);
  if (GstElementFactory* f = gst_element_factory_find("masterloudness")) {
    gst_object_unref(f);
  } else {
    gst_target_failed("the lacquer plugin is not in <build>/elements");
  }
}

// An analyser (masterloudness) passes its input through untouched, non-finite
// samples included.
inline bool passes_input_through(GstElement* element) {
  GstElementFactory* factory = gst_element_get_factory(element);
  const std::string name = factory != nullptr ? GST_OBJECT_NAME(factory) : "";
  const dsp::StageEntry* entry =
      name.rfind("master", 0) == 0 ? dsp::find_stage(name.substr(6)) : nullptr;
  return entry != nullptr && entry->info->analyser;
}

// Pushes a few buffers of stereo F32 at 48 kHz through `element` (its pads
// "sink" and "src"), audio from the input: ordinary, hostile or silent. The
// output, when it is float, must be finite (but for an analyser's). A stream the element refuses
// (a channel count it does not take) is fine; a crash or a non-finite sample
// is not.
inline void run_audio_through(GstElement* element, FuzzedDataProvider& in) {
  constexpr int kFrames = 1024;
  constexpr int kChannels = 2;
  GstHarness* h = gst_harness_new_with_element(element, "sink", "src");
  gst_harness_set_src_caps_str(
      h, "audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=2,channel-mask=(bitmask)0x3");
  std::vector<std::vector<float>> planar(kChannels, std::vector<float>(kFrames));
  for (int b = 0; b < 3; ++b) {
    fill_block(in, planar, kFrames);
    GstBuffer* buffer = gst_harness_create_buffer(h, kFrames * kChannels * sizeof(float));
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    auto* samples = reinterpret_cast<float*>(map.data);
    for (int i = 0; i < kFrames; ++i) {
      for (int c = 0; c < kChannels; ++c) samples[i * kChannels + c] = planar[std::size_t(c)][std::size_t(i)];
    }
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(std::uint64_t(b) * kFrames, GST_SECOND, 48000);
    if (gst_harness_push(h, buffer) != GST_FLOW_OK) break;
  }
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  GstAudioInfo info;
  const bool is_float = caps != nullptr && gst_audio_info_from_caps(&info, caps) &&
                        GST_AUDIO_INFO_FORMAT(&info) == GST_AUDIO_FORMAT_F32LE &&
                        !passes_input_through(element);
  if (caps != nullptr) gst_caps_unref(caps);
  while (GstBuffer* out = gst_harness_try_pull(h)) {
    if (is_float) {
      GstMapInfo map;
      gst_buffer_map(out, &map, GST_MAP_READ);
      const auto* samples = reinterpret_cast<const float*>(map.data);
      for (std::size_t i = 0; i < map.size / sizeof(float); ++i) {
        if (!std::isfinite(samples[i])) gst_target_failed("an element output a non-finite sample");
      }
      gst_buffer_unmap(out, &map);
    }
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
}

}  // namespace lacquer::fuzz
