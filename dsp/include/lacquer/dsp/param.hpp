// The parameter table: every control and meter of a stage is declared once,
// here in dsp/, and the GStreamer properties, the LV2 ports and the reference
// docs are all generated from it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace lacquer::dsp {

enum class Unit : std::uint8_t {
  none,
  db,       // relative gain
  dbfs,     // sample level
  dbtp,     // true-peak level (BS.1770 Annex 2)
  lufs,     // absolute loudness (BS.1770)
  lu,       // loudness difference
  hz,
  ms,
  s,
  percent,
  ratio,    // compression ratio, n:1
  q,        // filter quality factor
  bits,
  choice,   // one of `choices`
  toggle,   // on/off
  trigger,  // momentary action (reset)
  count,    // plain integer
};

enum class Taper : std::uint8_t { linear, log };

enum class Direction : std::uint8_t {
  control,  // set by the user, smoothed by the stage where audible
  meter,    // produced by the stage, read after processing
};

struct Param {
  std::string_view symbol;  // LV2 symbol; GStreamer property name with '_' -> '-'
  std::string_view label;   // short human name
  std::string_view doc;     // one sentence: what it does
  Unit unit = Unit::none;
  float min = 0.0f;
  float max = 1.0f;
  float def = 0.0f;
  Taper taper = Taper::linear;
  float smoothing_ms = 0.0f;  // 0: takes effect at the next block
  std::span<const std::string_view> choices = {};
  Direction direction = Direction::control;
  bool per_channel = false;  // meters: also reported for each channel

  constexpr bool is_meter() const noexcept { return direction == Direction::meter; }
  constexpr bool is_integer() const noexcept {
    return unit == Unit::choice || unit == Unit::toggle || unit == Unit::trigger ||
           unit == Unit::bits || unit == Unit::count;
  }
};

// A group of parameters repeated `count` times (EQ bands, multiband bands).
// Band b's parameter p has the flat index `first + b * params.size() + p`.
struct ParamGroup {
  std::string_view prefix;  // "band" -> band1, band2, ...
  std::string_view label;   // "Band"
  int count = 0;
  std::span<const Param> params;
};

std::string_view unit_symbol(Unit unit) noexcept;  // "dB", "LUFS", "Hz", ...

}  // namespace lacquer::dsp
