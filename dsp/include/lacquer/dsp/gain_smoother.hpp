// Attack and release ballistics of a compressor, applied to the gain
// reduction in dB (the "log-domain, after the gain computer" arrangement of
// Giannoulis, Massberg and Reiss, JAES 2012, section 3): a branching one-pole
// filter that follows a rising reduction with the attack time constant and a
// falling one with the release time constant.
//
// A time constant τ here is the time to cover 63 % (1 − 1/e) of a step:
// α = exp(−1 / (τ·fs)), y[n] = α·y[n−1] + (1 − α)·x[n].
//
// Program-dependent (auto) release adds a slow envelope that follows the
// requested reduction with kAutoReleaseFactor times the release time in both
// directions, and releases no lower than it: after a short peak the slow
// envelope has barely moved and the gain recovers with the release time, after
// sustained reduction it recovers at the slow rate, which does not pump.
#pragma once

#include <algorithm>
#include <cmath>

namespace lacquer::dsp {

class GainSmoother {
 public:
  static constexpr double kAutoReleaseFactor = 5.0;

  static float coefficient(double time_ms, double sample_rate) noexcept {
    const double frames = time_ms * 1e-3 * sample_rate;
    return frames > 0.0 ? static_cast<float>(std::exp(-1.0 / frames)) : 0.0f;
  }

  void set_times(double attack_ms, double release_ms, bool auto_release, double sample_rate) noexcept {
    attack_ = coefficient(attack_ms, sample_rate);
    release_ = coefficient(release_ms, sample_rate);
    slow_ = coefficient(release_ms * kAutoReleaseFactor, sample_rate);
    auto_release_ = auto_release;
  }

  void reset() noexcept { reduction_db_ = slow_db_ = 0.0f; }

  float reduction_db() const noexcept { return reduction_db_; }

  // Takes the requested reduction (dB, >= 0), returns the smoothed one.
  float process(float target_db) noexcept {
    float y = reduction_db_;
    const float alpha = target_db > y ? attack_ : release_;
    y = target_db + alpha * (y - target_db);
    if (auto_release_) {
      slow_db_ = target_db + slow_ * (slow_db_ - target_db);
      y = std::max(y, std::min(slow_db_, reduction_db_));  // never above the fast path's start
    }
    reduction_db_ = y;
    return y;
  }

 private:
  float attack_ = 0.0f;
  float release_ = 0.0f;
  float slow_ = 0.0f;
  bool auto_release_ = false;
  float reduction_db_ = 0.0f;
  float slow_db_ = 0.0f;
};

}  // namespace lacquer::dsp
