// The static curve of a compressor: how many dB of gain reduction a given
// input level asks for.
//
// Soft knee per Giannoulis, Massberg and Reiss, "Digital Dynamic Range
// Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012, eq. (4):
// with threshold T, ratio R and knee width W (all dB), the output level is
//   y = x                                   for 2(x − T) < −W
//   y = x + (1/R − 1)(x − T + W/2)² / (2W)  for 2|x − T| ≤ W
//   y = T + (x − T)/R                       for 2(x − T) > W
// and the gain reduction is x − y. Written with slope s = 1 − 1/R, so that an
// infinite ratio (limiting) is simply s = 1.
#pragma once

#include <algorithm>

namespace lacquer::dsp {

class GainComputer {
 public:
  // Ratios from this value up count as infinite (s = 1).
  static constexpr float kInfiniteRatio = 100.0f;

  static constexpr float slope_for_ratio(float ratio) noexcept {
    if (ratio >= kInfiniteRatio) return 1.0f;
    return 1.0f - 1.0f / std::max(ratio, 1.0f);
  }

  // Gain reduction in dB (>= 0) for an input level in dB.
  static constexpr float reduction_db(float level_db, float threshold_db, float slope,
                                      float knee_db) noexcept {
    const float over = level_db - threshold_db;
    if (2.0f * over <= -knee_db) return 0.0f;
    if (2.0f * over < knee_db) {
      const float into_knee = over + 0.5f * knee_db;
      return slope * into_knee * into_knee / (2.0f * knee_db);
    }
    return slope * over;
  }

  constexpr GainComputer() = default;
  constexpr GainComputer(float threshold_db, float ratio, float knee_db) noexcept
      : threshold_db_(threshold_db), slope_(slope_for_ratio(ratio)), knee_db_(std::max(knee_db, 0.0f)) {}

  constexpr float reduction_db(float level_db) const noexcept {
    return reduction_db(level_db, threshold_db_, slope_, knee_db_);
  }
  constexpr float output_db(float level_db) const noexcept { return level_db - reduction_db(level_db); }

 private:
  float threshold_db_ = 0.0f;
  float slope_ = 0.0f;
  float knee_db_ = 0.0f;
};

}  // namespace lacquer::dsp
