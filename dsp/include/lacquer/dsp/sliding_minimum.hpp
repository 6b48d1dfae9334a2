// Minimum over the last `window` values of a stream, in O(1) amortised per
// value: a monotonic deque (values increasing from front to back) kept in a
// ring preallocated for the longest window, so pushing never allocates.
//
// A limiter's lookahead uses it as a peak hold: the minimum of the required
// gains over the lookahead is the gain that satisfies every sample in it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lacquer::dsp {

class SlidingMinimum {
 public:
  // Non-realtime: allocates for windows of up to `max_window` values.
  void prepare(int max_window) {
    capacity_ = std::max(1, max_window);
    values_.assign(static_cast<std::size_t>(capacity_), 0.0f);
    stamps_.assign(static_cast<std::size_t>(capacity_), 0);
    window_ = std::min(std::max(1, window_), capacity_);
    reset();
  }

  void reset() noexcept {
    head_ = 0;
    size_ = 0;
    now_ = 0;
  }

  // Takes effect for the next push; values older than the new window drop out
  // as they are reached.
  void set_window(int window) noexcept { window_ = std::clamp(window, 1, capacity_); }
  int window() const noexcept { return window_; }

  // Adds `value` and returns the minimum of the last `window` values.
  float push(float value) noexcept {
    // Values that are no smaller than the new one can never be the minimum again.
    while (size_ > 0 && values_[index(size_ - 1)] >= value) --size_;
    // Drop from the front what has left the window (also after a shrink).
    while (size_ > 0 && now_ - stamps_[index(0)] >= window_) {
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      --size_;
    }
    if (size_ == capacity_) {  // only after a shrink left stale entries behind
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      --size_;
    }
    values_[index(size_)] = value;
    stamps_[index(size_)] = now_;
    ++size_;
    ++now_;
    return values_[index(0)];
  }

 private:
  int index(int offset) const noexcept {
    const int i = head_ + offset;
    return i >= capacity_ ? i - capacity_ : i;
  }

  std::vector<float> values_;
  std::vector<std::int64_t> stamps_;
  int capacity_ = 1;
  int window_ = 1;
  int head_ = 0;
  int size_ = 0;
  std::int64_t now_ = 0;
};

}  // namespace lacquer::dsp
