// One render of the mastering chain: decode -> gain -> the preset's stages ->
// true-peak limiter -> dither (integer and 16-bit encoder outputs) -> encoder.
#pragma once

#include "presets/presets.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lacquer::cli {

enum class SampleFormat { s16, s24, f32 };

struct OutputFormat {
  std::string_view extension;  // ".wav"
  std::string_view encoder;    // gst-launch description of the encoder (and muxer)
  std::string_view factory;    // the element that must exist
  std::string_view package;    // Debian package that provides it
  bool lossy = false;
  bool takes_float = true;     // false: the encoder wants S16 (dither to 16 bits first)
  bool integer_only = false;   // no 32-bit float variant
};

// By the extension of `path` (case-insensitive); nullptr when unknown.
const OutputFormat* output_format_for(const std::string& path);

struct RenderSettings {
  std::string input;
  std::string output;  // the temporary file
  const OutputFormat* format = nullptr;
  SampleFormat sample_format = SampleFormat::s24;
  int rate = 0;  // 0: keep the input's
  int channels = 2;
  double pre_gain_db = 0.0;  // brings the mix to presets::kReferenceLufs for the dynamics
  double gain_db = 0.0;      // in front of the limiter: reaches the target
  double ceiling_dbtp = -1.0;
  const presets::Genre* genre = nullptr;
  std::string progress_label;
};

struct RenderOutcome {
  bool ok = false;
  bool interrupted = false;
  std::string error;
  double max_gain_reduction_db = 0.0;  // deepest limiter gain reduction seen
  std::vector<std::pair<double, double>> gain_reduction_series;  // (seconds, dB) per buffer
  double wall_seconds = 0.0;
  std::string pipeline;  // the gst-launch description that ran
};

RenderOutcome render(const RenderSettings& settings);

}  // namespace lacquer::cli
