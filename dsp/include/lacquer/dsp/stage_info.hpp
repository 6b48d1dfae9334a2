// What a stage is, for the faces: its name, its parameter table and the audio
// it accepts. One constexpr StageInfo per stage.
#pragma once

#include <lacquer/dsp/param.hpp>

#include <span>
#include <string>
#include <string_view>

namespace lacquer::dsp {

struct StageInfo {
  std::string_view symbol;       // "loudness": element master<symbol>, URI urn:lacquer:<symbol>
  std::string_view name;         // "Lacquer Loudness Meter"
  std::string_view summary;      // one sentence
  std::string_view lv2_class;    // "AnalyserPlugin", "EQPlugin", ... (lv2: namespace)
  std::string_view gst_klass;    // "Filter/Analyzer/Audio"
  std::string_view example;      // a working gst-launch-1.0 line
  std::span<const Param> params;
  std::span<const ParamGroup> groups = {};
  int min_channels = 1;
  int max_channels = 8;
  std::span<const int> lv2_channels = {};  // LV2 variants; the first is urn:lacquer:<symbol>
  int min_rate = 22050;
  int max_rate = 192000;
  bool analyser = false;  // audio passes through untouched
  // The stage's output lies on the integer grid set by its `bits` parameter
  // (dither): the GStreamer face then also offers S16/S24/S32 output and
  // converts without further rounding.
  bool quantiser = false;
};

// One entry of a stage's flattened parameter list.
struct ParamRef {
  const Param* param = nullptr;
  const ParamGroup* group = nullptr;  // nullptr for a top-level parameter
  int band = -1;                      // 0-based, -1 for a top-level parameter
  int index = -1;                     // flat index
};

// Flattened view: top-level params first, then each group band by band.
int param_count(const StageInfo& info) noexcept;
ParamRef param_at(const StageInfo& info, int index) noexcept;
// Index of the top-level parameter `symbol`, or of `band`'s one (0-based), or -1.
int find_param(const StageInfo& info, std::string_view symbol, int band = -1) noexcept;
// Flat symbol: "gain" or "band3_gain".
std::string flat_symbol(const ParamRef& ref);

}  // namespace lacquer::dsp
