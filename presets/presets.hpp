// The one source of Lacquer's presets: delivery targets (integrated loudness
// and true-peak ceiling of each platform or broadcast standard) and genre
// presets (stage settings for the mastering chain).
//
// The `lacquer` command reads its --target and --preset tables from here and
// `masterchain` its `preset` property, so both always agree. A genre setting
// names a chain stage and one of its element properties ("comp::threshold");
// the value is the text gst-launch-1.0 would take.
#pragma once

#include <span>
#include <string_view>

namespace lacquer::presets {

struct Target {
  std::string_view name;     // --target value
  std::string_view label;
  double lufs;               // integrated loudness, BS.1770
  double ceiling_dbtp;       // maximum true peak
  std::string_view source;
};

// STANDARDS.md, "Delivery targets".
inline constexpr Target kTargets[] = {
    {"spotify", "Spotify", -14.0, -1.0, "Spotify artist docs"},
    {"apple", "Apple Music (Sound Check)", -16.0, -1.0, "platform summaries"},
    {"youtube", "YouTube", -14.0, -1.0, "platform summaries"},
    {"tidal", "Tidal", -14.0, -1.0, "platform summaries"},
    {"amazon", "Amazon Music", -14.0, -2.0, "platform summaries"},
    {"deezer", "Deezer", -15.0, -1.0, "platform summaries"},
    {"ebu-r128", "EBU R128 broadcast", -23.0, -1.0, "EBU R128 v4"},
    {"atsc-a85", "ATSC A/85 (US TV)", -24.0, -2.0, "ATSC A/85"},
    {"podcast", "Podcast / speech", -16.0, -1.0, "AES TD1008"},
};

// Integrated loudness at which the dynamics of a genre preset see the
// programme (their thresholds are set for it).
inline constexpr double kReferenceLufs = -18.0;

struct Setting {
  std::string_view stage;     // chain stage symbol: comp, mbcomp, imager, limiter, ...
  std::string_view property;  // element property as gst-inspect-1.0 shows it; "band1::x" for a band
  std::string_view value;
};

struct Genre {
  std::string_view name;  // --preset value
  std::string_view summary;
  std::span<const Setting> settings;  // stages not named here stay out of the chain
};

namespace detail {

// Thresholds assume the programme arrives at kReferenceLufs: the chain puts
// a gain in front of the dynamics that brings every mix there, and a second
// one after them that reaches the delivery target. RMS detection with a slow
// attack glues without dulling transients; the limiter catches what is left.
inline constexpr Setting kNeutral[] = {
    {"limiter", "release", "100"},
};
inline constexpr Setting kPop[] = {
    {"comp", "detector", "rms"},   {"comp", "window", "20"},  {"comp", "threshold", "-18"},
    {"comp", "ratio", "2"},        {"comp", "attack", "20"},  {"comp", "release", "150"},
    {"comp", "knee", "6"},         {"comp", "auto-release", "true"},
    {"mbcomp", "bands", "3"},      {"mbcomp", "split1", "150"}, {"mbcomp", "split2", "4000"},
    {"mbcomp", "band1::threshold", "-14"}, {"mbcomp", "band1::ratio", "1.5"},
    {"mbcomp", "band2::threshold", "-14"}, {"mbcomp", "band2::ratio", "1.5"},
    {"mbcomp", "band3::threshold", "-20"}, {"mbcomp", "band3::ratio", "1.5"},
    {"imager", "bass-mono", "true"}, {"imager", "bass-mono-freq", "120"},
    {"limiter", "release", "80"},
};
inline constexpr Setting kRock[] = {
    {"comp", "detector", "rms"},   {"comp", "window", "20"},  {"comp", "threshold", "-18"},
    {"comp", "ratio", "3"},        {"comp", "attack", "15"},  {"comp", "release", "120"},
    {"comp", "knee", "4"},
    {"mbcomp", "bands", "3"},      {"mbcomp", "split1", "200"}, {"mbcomp", "split2", "3000"},
    {"mbcomp", "band1::threshold", "-14"}, {"mbcomp", "band1::ratio", "2"},
    {"mbcomp", "band2::threshold", "-14"}, {"mbcomp", "band2::ratio", "1.5"},
    {"mbcomp", "band3::threshold", "-20"}, {"mbcomp", "band3::ratio", "2"},
    {"limiter", "release", "60"},
};
inline constexpr Setting kHipHop[] = {
    {"comp", "detector", "rms"},   {"comp", "window", "20"},  {"comp", "threshold", "-18"},
    {"comp", "ratio", "3"},        {"comp", "attack", "30"},  {"comp", "release", "100"},
    {"comp", "sidechain-hpf", "60"},
    {"imager", "bass-mono", "true"}, {"imager", "bass-mono-freq", "150"},
    {"limiter", "release", "50"},
};
inline constexpr Setting kElectronic[] = {
    {"comp", "detector", "rms"},   {"comp", "window", "20"},  {"comp", "threshold", "-20"},
    {"comp", "ratio", "3"},        {"comp", "attack", "10"},  {"comp", "release", "80"},
    {"mbcomp", "bands", "4"},
    {"mbcomp", "band1::threshold", "-14"}, {"mbcomp", "band1::ratio", "2"},
    {"mbcomp", "band2::threshold", "-16"}, {"mbcomp", "band2::ratio", "1.5"},
    {"mbcomp", "band3::threshold", "-20"}, {"mbcomp", "band3::ratio", "1.5"},
    {"mbcomp", "band4::threshold", "-26"}, {"mbcomp", "band4::ratio", "2"},
    {"imager", "bass-mono", "true"}, {"imager", "bass-mono-freq", "120"},
    {"imager", "width", "110"},
    {"limiter", "release", "40"},
};
inline constexpr Setting kAcoustic[] = {
    {"comp", "detector", "rms"},   {"comp", "window", "30"},  {"comp", "threshold", "-16"},
    {"comp", "ratio", "1.5"},      {"comp", "attack", "30"},  {"comp", "release", "250"},
    {"comp", "knee", "12"},
    {"limiter", "release", "200"},
};
inline constexpr Setting kClassical[] = {
    {"limiter", "release", "500"}, {"limiter", "lookahead", "10"},
};
inline constexpr Setting kSpeech[] = {
    {"comp", "detector", "rms"},   {"comp", "window", "10"},  {"comp", "threshold", "-22"},
    {"comp", "ratio", "3"},        {"comp", "attack", "5"},   {"comp", "release", "120"},
    {"comp", "sidechain-hpf", "100"},
    {"limiter", "release", "50"},
};

}  // namespace detail

inline constexpr Genre kGenres[] = {
    {"neutral", "Gain and true-peak limiting only (the default)", detail::kNeutral},
    {"pop", "Gentle glue compression, 3-band control, mono bass", detail::kPop},
    {"rock", "Firmer compression, 3-band control, quicker limiter", detail::kRock},
    {"hip-hop", "Punchy slow-attack compression, tight mono low end", detail::kHipHop},
    {"electronic", "Dense compression, 4-band control, mono bass, slightly wider", detail::kElectronic},
    {"acoustic", "Light wide-knee compression that keeps the dynamics (acoustic, jazz)", detail::kAcoustic},
    {"classical", "No compression; slow transparent peak limiting only", detail::kClassical},
    {"speech", "Levelling compression for voice (speech, podcast)", detail::kSpeech},
};

inline constexpr std::string_view kDefaultGenre = "neutral";

inline const Target* find_target(std::string_view name) noexcept {
  for (const Target& target : kTargets) {
    if (target.name == name) return &target;
  }
  return nullptr;
}

inline const Genre* find_genre(std::string_view name) noexcept {
  if (name == "jazz") name = "acoustic";
  if (name == "podcast") name = "speech";
  for (const Genre& genre : kGenres) {
    if (genre.name == name) return &genre;
  }
  return nullptr;
}

}  // namespace lacquer::presets
