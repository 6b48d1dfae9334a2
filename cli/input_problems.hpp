// What is wrong with an input file that did not decode, or decoded short, in
// one line: the file's own terms where it has them ("the WAV header declares
// 0 channels"), GStreamer's error otherwise.
#pragma once

#include "measure.hpp"
#include "wave_header.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace lacquer::cli {

// The rates masterloudness measures.
inline constexpr std::uint32_t kMinRateHz = 8000;
inline constexpr std::uint32_t kMaxRateHz = 192000;

// "2.0 s" and "0.8 s": one decimal, more when one would make them look equal.
inline std::pair<std::string, std::string> seconds_texts(double a, double b) {
  char a_text[32], b_text[32];
  for (int decimals = 1;; ++decimals) {
    std::snprintf(a_text, sizeof a_text, "%.*f s", decimals, a);
    std::snprintf(b_text, sizeof b_text, "%.*f s", decimals, b);
    if (std::string_view(a_text) != b_text || decimals == 6) return {a_text, b_text};
  }
}

// A file that holds less audio than it declares is refused, not measured (and
// mastered) short. A WAVE header's data size is held to the frame; any other
// container's duration at the end of the stream (FLAC STREAMINFO, MP4 sample
// tables, an MP3 Xing header) with 0.1 s or 1 % of slack, whichever is more,
// for codec priming and for durations a parser only estimates.
inline std::optional<std::string> truncation_problem(const std::string& path,
                                                     long long decoded_frames, int decoded_rate,
                                                     double container_seconds) {
  const auto wave = declared_wave_length(path);
  const double held = decoded_rate > 0 ? double(decoded_frames) / decoded_rate
                      : wave           ? double(decoded_frames) / wave->rate
                                       : 0.0;
  double declared = 0.0;
  if (wave && wave->frames > decoded_frames) {
    declared = wave->seconds();
  } else if (container_seconds - held > std::max(0.1, 0.01 * container_seconds)) {
    declared = container_seconds;
  } else {
    return std::nullopt;
  }
  const auto [declared_text, held_text] = seconds_texts(declared, held);
  return "truncated: the header declares " + declared_text + ", the file holds " + held_text;
}

// Why `path` did not decode, as precisely as the file lets us say.
inline std::string decode_problem(const std::string& path, int decoded_channels,
                                  const std::string& gstreamer_error) {
  const auto wave = read_wave_header(path);
  const bool wave_format = wave && wave->has_format;
  const int channels = decoded_channels > 0 ? decoded_channels : wave_format ? wave->channels : 0;
  if (channels > kMaxChannels) {
    return "unsupported channel count " + std::to_string(channels) + " (1 to " +
           std::to_string(kMaxChannels) + " are supported)";
  }
  if (wave) {
    if (auto problem = wave_header_problem(*wave)) return *problem;
    if (wave->rate < kMinRateHz || wave->rate > kMaxRateHz) {
      return "unsupported sample rate " + std::to_string(wave->rate) + " Hz (" +
             std::to_string(kMinRateHz) + " to " + std::to_string(kMaxRateHz) +
             " Hz are supported)";
    }
  }
  return "cannot decode as audio: " + gstreamer_error;
}

}  // namespace lacquer::cli
