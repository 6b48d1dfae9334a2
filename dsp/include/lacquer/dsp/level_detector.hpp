// The level a dynamics processor reacts to, for one channel: the peak or the
// RMS of the last `window` milliseconds.
//
// Peak is the largest |x| in the window (a sliding maximum, so a steady sine
// reads its peak exactly once the window spans half a period; a step up is
// seen at once, a step down after the window). The maximum is kept with the
// van Herk / Gil–Werman scheme: the window straddles at most two blocks of
// its own length, so it is the larger of the running maximum of the current
// block and a suffix maximum of the previous one — a few operations per
// sample, no data-dependent branches. RMS is the root mean square
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
    block_.assign(static_cast<std::size_t>(capacity_), 0.0f);
    suffix_.assign(static_cast<std::size_t>(capacity_ + 1), 0.0f);
    window_ = std::min(window_, capacity_);
    reset();
  }

  void reset() noexcept {
    std::fill(history_.begin(), history_.end(), 0.0f);
    std::fill(block_.begin(), block_.end(), 0.0f);
    std::fill(suffix_.begin(), suffix_.end(), 0.0f);
    now_ = 0;
    position_ = 0;
    fill_ = 0;
    prefix_ = 0.0f;
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

  // Linear amplitude (peak |x| or RMS) after each input sample. State lives in
  // locals for the loop.
  void process(const float* in, float* level, int frames) noexcept {
    float* history = history_.data();
    int position = position_;
    if (mode_ == DetectorMode::peak) {
      float* block = block_.data();
      const float* suffix = suffix_.data();
      const int window = window_;
      int fill = fill_;
      float prefix = prefix_;
      for (int i = 0; i < frames; ++i) {
        const float magnitude = std::fabs(in[i]);
        history[position] = magnitude;
        position = position + 1 == capacity_ ? 0 : position + 1;
        block[fill] = magnitude;
        prefix = std::max(prefix, magnitude);
        // This block's samples 0..fill, the previous block's fill+1..window-1.
        level[i] = std::max(prefix, suffix[fill + 1]);
        if (++fill == window) {
          close_block();
          fill = 0;
          prefix = 0.0f;
        }
      }
      fill_ = fill;
      prefix_ = prefix;
      now_ += frames;
    } else {
      double sum = sum_squares_;
      const double inv_window = 1.0 / window_;
      int leaving = position - window_;
      if (leaving < 0) leaving += capacity_;
      for (int i = 0; i < frames; ++i) {
        const float magnitude = std::fabs(in[i]);
        const double old = history[leaving];
        history[position] = magnitude;
        position = position + 1 == capacity_ ? 0 : position + 1;
        leaving = leaving + 1 == capacity_ ? 0 : leaving + 1;
        // Squares of floats are exact in double; the running sum only drifts
        // by rounding, far below any level of interest, and stays >= 0.
        sum = std::max(0.0, sum + double(magnitude) * magnitude - old * old);
        level[i] = static_cast<float>(std::sqrt(sum * inv_window));
      }
      sum_squares_ = sum;
      now_ += frames;
    }
    position_ = position;
  }

 private:
  int frames_for(double ms) const noexcept {
    return static_cast<int>(std::lround(std::max(0.0, ms) * 1e-3 * sample_rate_));
  }

  // Suffix maxima of the block just completed; suffix_[window_] stays 0.
  void close_block() noexcept {
    float running = 0.0f;
    for (int k = window_ - 1; k >= 0; --k) {
      running = std::max(running, block_[static_cast<std::size_t>(k)]);
      suffix_[static_cast<std::size_t>(k)] = running;
    }
  }

  // After a change of mode or window: recompute from the kept history (zeros
  // before the first sample). For the peak, the last window of history becomes
  // the previous block.
  void rebuild() noexcept {
    sum_squares_ = 0.0;
    std::fill(suffix_.begin(), suffix_.end(), 0.0f);
    fill_ = 0;
    prefix_ = 0.0f;
    int pos = position_ - window_;
    if (pos < 0) pos += capacity_;
    for (int k = 0; k < window_; ++k) {
      const float magnitude = history_[static_cast<std::size_t>(pos)];
      pos = pos + 1 == capacity_ ? 0 : pos + 1;
      sum_squares_ += double(magnitude) * magnitude;
      block_[static_cast<std::size_t>(k)] = magnitude;
    }
    close_block();
  }

  double sample_rate_ = 48000.0;
  DetectorMode mode_ = DetectorMode::peak;
  int window_ = 1;
  int capacity_ = 1;
  std::vector<float> history_;  // |x| of the last `capacity_` samples
  std::vector<float> block_;   // peak: |x| of the current block
  std::vector<float> suffix_;  // peak: suffix maxima of the previous block, then a 0
  int fill_ = 0;               // peak: samples in the current block
  float prefix_ = 0.0f;        // peak: running maximum of the current block
  std::int64_t now_ = 0;     // frames since reset
  int position_ = 0;         // next history slot
  double sum_squares_ = 0.0;
};

}  // namespace lacquer::dsp
