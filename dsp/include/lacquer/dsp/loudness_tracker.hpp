// Programme loudness over a sliding window of BS.1770 momentary blocks (400 ms
// blocks every 100 ms), for a loudness-driven gain control.
//
// The blocks are gated the way BS.1770-4 gates integrated loudness (absolute
// gate by the caller, relative gate -10 LU here) so pauses inside the window
// do not drag the estimate down. The relative gate is anchored on the median
// block rather than on the power mean, and blocks more than 6 LU above
// the median are left out as well: a short transient in a steady programme
// then moves the estimate by nothing, while a real change of level takes over
// the median, and with it the estimate, once it fills half the window -- or
// sooner: when the newest quarter of the window lies entirely outside the
// accepted range on one side, the level has changed (a transient is shorter
// than that) and the older blocks are dropped.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace lacquer::dsp {

class LoudnessTracker {
 public:
  // Energy ratios to the median block: the relative gate, -10 LU (BS.1770-4
  // section 5.2), and the outlier bound, +6 LU.
  static constexpr double kRelativeGateRatio = 0.1;
  static constexpr double kOutlierRatio = 3.981071705534972;
  // A change of level is this many blocks (1 s) outside the accepted range on
  // one side, or a quarter of a shorter window: longer than a transient's
  // 400 ms blocks last.
  static constexpr int kChangeBlocks = 10;

  // Non-realtime: allocates for windows of up to `max_blocks` blocks.
  void prepare(int max_blocks) {
    capacity_ = std::max(1, max_blocks);
    energy_.assign(static_cast<std::size_t>(capacity_), 0.0);
    scratch_.assign(static_cast<std::size_t>(capacity_), 0.0);
    window_ = std::min(window_, capacity_);
    clear();
  }

  // Keeps the newest `blocks` blocks (at most the prepared capacity).
  void set_window(int blocks) noexcept {
    blocks = std::clamp(blocks, 1, capacity_);
    if (blocks == window_) return;
    // Keep the newest blocks that still fit.
    const int keep = std::min(count_, blocks);
    keep_newest(keep);
    window_ = blocks;
    head_ = count_ % window_;
  }
  int window() const noexcept { return window_; }

  void clear() noexcept {
    count_ = 0;
    head_ = 0;
  }

  // One momentary block: its K-weighted, channel-weighted mean square.
  void add(double energy) noexcept {
    energy_[static_cast<std::size_t>(head_)] = energy;
    head_ = head_ + 1 == window_ ? 0 : head_ + 1;
    count_ = std::min(count_ + 1, window_);
    const int recent = std::clamp(window_ / 4, 1, kChangeBlocks);
    if (count_ < 2 * recent) return;
    // Has the newest quarter left the accepted range, all on one side?
    const double median = median_of(count_ - recent);
    int above = 0, below = 0;
    for (int i = count_ - recent; i < count_; ++i) {
      const double e = at(i);
      above += e > median * kOutlierRatio ? 1 : 0;
      below += e < median * kRelativeGateRatio ? 1 : 0;
    }
    if (above == recent || below == recent) keep_newest(recent);
  }
  int blocks() const noexcept { return count_; }

  // LUFS; -inf when the window is empty.
  double loudness() const noexcept {
    if (count_ == 0) return -std::numeric_limits<double>::infinity();
    const double median = median_of(count_);
    const double low = median * kRelativeGateRatio;
    const double high = median * kOutlierRatio;
    double sum = 0.0;
    int used = 0;
    for (int i = 0; i < count_; ++i) {
      const double e = energy_[static_cast<std::size_t>(i)];
      if (e < low || e > high) continue;
      sum += e;
      ++used;
    }
    // BS.1770: L = -0.691 + 10 log10(weighted mean square).
    return -0.691 + 10.0 * std::log10(sum / static_cast<double>(used));
  }

 private:
  // Median of the `n` oldest blocks.
  double median_of(int n) const noexcept {
    for (int i = 0; i < n; ++i) scratch_[static_cast<std::size_t>(i)] = at(i);
    auto middle = scratch_.begin() + n / 2;
    std::nth_element(scratch_.begin(), middle, scratch_.begin() + n);
    return *middle;
  }

  // Drops all but the newest `keep` blocks; they move to the front.
  void keep_newest(int keep) noexcept {
    keep = std::min(keep, count_);
    for (int i = 0; i < keep; ++i) scratch_[static_cast<std::size_t>(i)] = at(count_ - keep + i);
    for (int i = 0; i < keep; ++i)
      energy_[static_cast<std::size_t>(i)] = scratch_[static_cast<std::size_t>(i)];
    count_ = keep;
    head_ = keep % window_;
  }

  // i-th oldest block, 0 <= i < count_.
  double at(int i) const noexcept {
    const int oldest = count_ < window_ ? 0 : head_;
    return energy_[static_cast<std::size_t>((oldest + i) % window_)];
  }

  std::vector<double> energy_;
  mutable std::vector<double> scratch_;
  int capacity_ = 1;
  int window_ = 1;
  int count_ = 0;
  int head_ = 0;
};

}  // namespace lacquer::dsp
