// The level a dynamics processor reacts to, for one channel: the peak or the
// RMS of the last `window` milliseconds.
//
// Peak is the largest |x| in the window (a sliding maximum, so a steady sine
// reads its peak exactly once the window spans half a period; a step up is
// seen at once, a step down after the window). RMS is the root mean square
// over the window. Both keep the last window of |x| so that a new window or
// mode takes effect from real history rather than from silence.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace lacquer::dsp {

enum class DetectorMode : std::uint8_t { peak, rms };

class LevelDetector {
 public:
  // Non-realtime: allocates for windows up to `max_window_ms`.
  void prepare(double sample_rate, double max_window_ms) {
    sample_rate_ = sample_rate;
    capacity_ = std::max(1, frames_for(max_window_ms));
    history_.assign(static_cast<std::size_t>(capacity_), 0.0f);
    queue_size_ = capacity_ + 1;  // one spare slot tells a full queue from an empty one
    queue_value_.assign(static_cast<std::size_t>(queue_size_), 0.0f);
    queue_time_.assign(static_cast<std::size_t>(queue_size_), 0);
    window_ = std::min(window_, capacity_);
    reset();
  }

  void reset() noexcept {
    std::fill(history_.begin(), history_.end(), 0.0f);
    now_ = 0;
    head_ = tail_ = 0;
    sum_squares_ = 0.0;
  }

  void set(DetectorMode mode, double window_ms) noexcept {
    const int window = std::clamp(frames_for(window_ms), 1, capacity_);
    if (mode == mode_ && window == window_) return;
    mode_ = mode;
    window_ = window;
    rebuild();
  }

  DetectorMode mode() const noexcept { return mode_; }
  int window_frames() const noexcept { return window_; }

  // Linear amplitude (peak |x| or RMS) after each input sample.
  void process(const float* in, float* level, int frames) noexcept {
    if (mode_ == DetectorMode::peak) {
      for (int i = 0; i < frames; ++i) level[i] = push_peak(std::fabs(in[i]));
    } else {
      for (int i = 0; i < frames; ++i) level[i] = push_rms(std::fabs(in[i]));
    }
  }

 private:
  int frames_for(double ms) const noexcept {
    return static_cast<int>(std::lround(std::max(0.0, ms) * 1e-3 * sample_rate_));
  }
  int slot(std::int64_t time) const noexcept { return static_cast<int>(time % capacity_); }

  // Monotonic queue of (time, value) with decreasing values: the front is the
  // maximum of the window (Lemire, "Streaming maximum-minimum filter using no
  // more than three comparisons per element", 2006). Amortised O(1).
  float push_peak(float magnitude) noexcept {
    history_[static_cast<std::size_t>(slot(now_))] = magnitude;
    enqueue(magnitude, now_);
    ++now_;
    return queue_value_[static_cast<std::size_t>(head_)];
  }

  void enqueue(float magnitude, std::int64_t time) noexcept {
    while (head_ != tail_ && queue_value_[static_cast<std::size_t>(back())] <= magnitude) {
      tail_ = back();
    }
    queue_value_[static_cast<std::size_t>(tail_)] = magnitude;
    queue_time_[static_cast<std::size_t>(tail_)] = time;
    tail_ = next(tail_);
    if (queue_time_[static_cast<std::size_t>(head_)] <= time - window_) head_ = next(head_);
  }

  float push_rms(float magnitude) noexcept {
    const std::size_t s = static_cast<std::size_t>(slot(now_));
    const double leaving = now_ >= window_ ? double(history_[static_cast<std::size_t>(slot(now_ - window_))]) : 0.0;
    history_[s] = magnitude;
    // Squares of floats are exact in double; the running sum only drifts by
    // rounding, far below any level of interest, and is kept non-negative.
    sum_squares_ = std::max(0.0, sum_squares_ + double(magnitude) * magnitude - leaving * leaving);
    ++now_;
    return static_cast<float>(std::sqrt(sum_squares_ / window_));
  }

  // After a change of mode or window: recompute from the kept history.
  void rebuild() noexcept {
    head_ = tail_ = 0;
    sum_squares_ = 0.0;
    const std::int64_t first = std::max<std::int64_t>(0, now_ - window_);
    for (std::int64_t t = first; t < now_; ++t) {
      const float magnitude = history_[static_cast<std::size_t>(slot(t))];
      if (mode_ == DetectorMode::peak) {
        enqueue(magnitude, t);
      } else {
        sum_squares_ += double(magnitude) * magnitude;
      }
    }
  }

  int next(int i) const noexcept { return i + 1 == queue_size_ ? 0 : i + 1; }
  int back() const noexcept { return tail_ == 0 ? queue_size_ - 1 : tail_ - 1; }

  double sample_rate_ = 48000.0;
  DetectorMode mode_ = DetectorMode::peak;
  int window_ = 1;
  int capacity_ = 1;
  int queue_size_ = 2;
  std::vector<float> history_;  // |x| of the last `capacity_` samples
  std::vector<float> queue_value_;
  std::vector<std::int64_t> queue_time_;
  int head_ = 0, tail_ = 0;  // queue, empty when equal
  std::int64_t now_ = 0;
  double sum_squares_ = 0.0;
};

}  // namespace lacquer::dsp
