// Mean of the last `length` values of a stream: a running sum over a ring
// preallocated for the longest length. The sum is recomputed from the ring
// once per lap, so rounding never accumulates (a run of ones averages to one
// within a double's rounding, exactly 1.0f as a float).
//
// Two in cascade make a limiter's gain ramp: the minimum required gain held
// over the lookahead, averaged, falls along a smooth S-curve (a triangular
// kernel, whose spectrum falls as 1/f^2) and arrives before the peak does.
#pragma once

#include <algorithm>
#include <vector>

namespace lacquer::dsp {

class MovingAverage {
 public:
  // Non-realtime: allocates for lengths up to `max_length`.
  void prepare(int max_length) {
    ring_.assign(static_cast<std::size_t>(std::max(1, max_length)), 0.0);
    length_ = std::clamp(length_, 1, static_cast<int>(ring_.size()));
    inverse_ = 1.0 / length_;
    fill(0.0);
  }

  // Sets the length and fills the history with `value` (no allocation).
  void configure(int length, double value) noexcept {
    length_ = std::clamp(length, 1, static_cast<int>(ring_.size()));
    inverse_ = 1.0 / length_;
    fill(value);
  }
  int length() const noexcept { return length_; }

  void fill(double value) noexcept {
    std::fill(ring_.begin(), ring_.begin() + length_, value);
    sum_ = value * length_;
    pos_ = 0;
  }

  double push(double value) noexcept {
    sum_ += value - ring_[static_cast<std::size_t>(pos_)];
    ring_[static_cast<std::size_t>(pos_)] = value;
    if (++pos_ == length_) {
      pos_ = 0;
      double exact = 0.0;
      for (int i = 0; i < length_; ++i) exact += ring_[static_cast<std::size_t>(i)];
      sum_ = exact;
    }
    return sum_ * inverse_;
  }

  // The smallest value in the history (a bound on the mean); O(length).
  double minimum() const noexcept {
    return *std::min_element(ring_.begin(), ring_.begin() + length_);
  }

 private:
  std::vector<double> ring_;
  double sum_ = 0.0;
  double inverse_ = 1.0;
  int length_ = 1;
  int pos_ = 0;
};

}  // namespace lacquer::dsp
