// Runs planar audio through a GStreamer element description in a real
// pipeline (appsrc ! <description> ! appsink), the way an application would,
// with the plugin loaded from the build tree into an isolated registry.
#pragma once

#include "signals.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef LACQUER_BUILD_ROOT
#error "LACQUER_BUILD_ROOT must name the build directory"
#endif

namespace lacquer::test {

// Call once per test executable, before anything else touches GStreamer.
inline void init_gstreamer() {
  static bool done = false;
  if (done) return;
  const std::string root = LACQUER_BUILD_ROOT;
  setenv("GST_REGISTRY_1_0", (root + "/tests/gst-registry.bin").c_str(), 1);
  setenv("GST_PLUGIN_PATH_1_0", (root + "/elements").c_str(), 1);
  setenv("GST_REGISTRY_FORK", "no", 1);
  gst_init(nullptr, nullptr);
  if (GstElementFactory* f = gst_element_factory_find("masterloudness")) {
    gst_object_unref(f);
  } else {
    throw std::runtime_error("the lacquer plugin is not in " + root + "/elements");
  }
  done = true;
}

struct GstResult {
  Planar output;                      // what reached the sink
  std::vector<GstStructure*> messages;  // element messages, in order (owned)
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  GstClockTime end_time = GST_CLOCK_TIME_NONE;  // pts + duration of the last buffer
  bool timestamps_contiguous = true;
  GstClockTime latency = 0;           // the pipeline's latency query, min
  std::string error;                  // first error message, if any

  GstResult() = default;
  GstResult(const GstResult&) = delete;
  GstResult& operator=(const GstResult&) = delete;
  GstResult(GstResult&& other) noexcept
      : output(std::move(other.output)), messages(std::move(other.messages)),
        first_pts(other.first_pts), end_time(other.end_time),
        timestamps_contiguous(other.timestamps_contiguous), latency(other.latency),
        error(std::move(other.error)) {}
  ~GstResult() {
    for (GstStructure* s : messages) gst_structure_free(s);
  }

  // The last message carrying `field` as a double.
  double last(const char* field) const {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      double value = 0.0;
      if (gst_structure_get_double(*it, field, &value)) return value;
    }
    throw std::runtime_error(std::string("no message with ") + field);
  }
};

struct GstRunOptions {
  int rate = 48000;
  int block = 1024;           // frames per pushed buffer
  std::string format = "F32LE";
  bool interleaved = true;
  std::string extra_caps = "";  // e.g. ", channel-mask=(bitmask)0x3"
};

namespace detail {

template <typename T>
void fill(const Planar& in, std::size_t offset, std::size_t frames, bool interleaved, T* out,
          double scale) {
  const std::size_t channels = in.size();
  for (std::size_t c = 0; c < channels; ++c) {
    for (std::size_t i = 0; i < frames; ++i) {
      const double v = double(in[c][offset + i]) * scale;
      T sample;
      if constexpr (std::is_floating_point_v<T>) {
        sample = static_cast<T>(v);
      } else {
        sample = static_cast<T>(std::llround(std::clamp(v, -scale, scale - 1.0)));
      }
      if (interleaved) {
        out[i * channels + c] = sample;
      } else {
        out[c * frames + i] = sample;
      }
    }
  }
}

inline void append_output(GstBuffer* buffer, const GstAudioInfo& info, Planar& out) {
  GstAudioBuffer ab;
  if (!gst_audio_buffer_map(&ab, &info, buffer, GST_MAP_READ)) return;
  const int channels = GST_AUDIO_INFO_CHANNELS(&info);
  const std::size_t frames = ab.n_samples;
  out.resize(std::size_t(channels));
  for (int c = 0; c < channels; ++c) {
    for (std::size_t i = 0; i < frames; ++i) {
      const bool inter = GST_AUDIO_INFO_LAYOUT(&info) == GST_AUDIO_LAYOUT_INTERLEAVED;
      const void* plane = inter ? ab.planes[0] : ab.planes[c];
      const std::size_t k = inter ? i * std::size_t(channels) + std::size_t(c) : i;
      double v = 0.0;
      switch (GST_AUDIO_INFO_FORMAT(&info)) {
        case GST_AUDIO_FORMAT_F32LE: v = static_cast<const float*>(plane)[k]; break;
        case GST_AUDIO_FORMAT_F64LE: v = static_cast<const double*>(plane)[k]; break;
        case GST_AUDIO_FORMAT_S16LE: v = static_cast<const gint16*>(plane)[k] / 32768.0; break;
        case GST_AUDIO_FORMAT_S32LE: v = static_cast<const gint32*>(plane)[k] / 2147483648.0; break;
        default: break;
      }
      out[std::size_t(c)].push_back(static_cast<float>(v));
    }
  }
  gst_audio_buffer_unmap(&ab);
}

}  // namespace detail

// Pushes `input` through `description` (e.g. "masterloudness interval=100000000").
inline GstResult run_gst(const std::string& description, const Planar& input,
                         const GstRunOptions& options = {}) {
  init_gstreamer();
  GstResult result;
  GError* error = nullptr;
  const std::string launch = "appsrc name=src format=time ! " + description +
                             " ! appsink name=sink sync=false";
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (pipeline == nullptr || error != nullptr) {
    result.error = error ? error->message : "cannot build pipeline";
    if (error) g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return result;
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  const int channels = int(input.size());
  const std::string caps_text = "audio/x-raw, format=" + options.format + ", rate=" +
                                std::to_string(options.rate) + ", channels=" +
                                std::to_string(channels) + ", layout=" +
                                (options.interleaved ? "interleaved" : "non-interleaved") +
                                options.extra_caps;
  GstCaps* caps = gst_caps_from_string(caps_text.c_str());
  GstAudioInfo in_info;
  if (!gst_audio_info_from_caps(&in_info, caps)) {
    result.error = "invalid test caps: " + caps_text;
    gst_caps_unref(caps);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return result;
  }
  g_object_set(src, "caps", caps, "max-bytes", guint64(0), "block", FALSE, nullptr);
  gst_caps_unref(caps);

  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const std::size_t frames = input.empty() ? 0 : input.front().size();
  const int bps = GST_AUDIO_INFO_BPS(&in_info);
  for (std::size_t done = 0; done < frames; done += std::size_t(options.block)) {
    const std::size_t n = std::min<std::size_t>(std::size_t(options.block), frames - done);
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, n * std::size_t(channels * bps), nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    switch (GST_AUDIO_INFO_FORMAT(&in_info)) {
      case GST_AUDIO_FORMAT_F64LE:
        detail::fill(input, done, n, options.interleaved, reinterpret_cast<double*>(map.data), 1.0);
        break;
      case GST_AUDIO_FORMAT_S16LE:
        detail::fill(input, done, n, options.interleaved, reinterpret_cast<gint16*>(map.data), 32768.0);
        break;
      case GST_AUDIO_FORMAT_S32LE:
        detail::fill(input, done, n, options.interleaved, reinterpret_cast<gint32*>(map.data),
                     2147483648.0);
        break;
      default:
        detail::fill(input, done, n, options.interleaved, reinterpret_cast<float*>(map.data), 1.0);
    }
    gst_buffer_unmap(buffer, &map);
    if (!options.interleaved) gst_buffer_add_audio_meta(buffer, &in_info, n, nullptr);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_round(done, GST_SECOND, guint64(options.rate));
    GST_BUFFER_DURATION(buffer) =
        gst_util_uint64_scale_round(done + n, GST_SECOND, guint64(options.rate)) - GST_BUFFER_PTS(buffer);
    gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));

  bool latency_done = false;
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    if (!latency_done) {
      // Asked from the sink's side: a non-live sink would answer 0 itself.
      GstQuery* query = gst_query_new_latency();
      GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
      const bool answered = gst_pad_peer_query(sink_pad, query);
      gst_object_unref(sink_pad);
      if (answered) {
        gst_query_parse_latency(query, nullptr, &result.latency, nullptr);
      }
      gst_query_unref(query);
      latency_done = true;
    }
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstAudioInfo out_info;
    gst_audio_info_from_caps(&out_info, gst_sample_get_caps(sample));
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (!GST_CLOCK_TIME_IS_VALID(result.first_pts)) {
      result.first_pts = pts;
    } else if (pts != result.end_time) {
      result.timestamps_contiguous = false;
    }
    result.end_time = pts + GST_BUFFER_DURATION(buffer);
    detail::append_output(buffer, out_info, result.output);
    gst_sample_unref(sample);
  }

  GstBus* bus = gst_element_get_bus(pipeline);
  while (GstMessage* message = gst_bus_pop(bus)) {
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && result.error.empty()) {
      GError* err = nullptr;
      gst_message_parse_error(message, &err, nullptr);
      result.error = err->message;
      g_error_free(err);
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT) {
      result.messages.push_back(gst_structure_copy(gst_message_get_structure(message)));
    }
    gst_message_unref(message);
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return result;
}

}  // namespace lacquer::test
