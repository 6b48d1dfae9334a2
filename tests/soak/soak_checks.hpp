// What a soak run watches on the output of a pipeline, one small class per
// promise: timestamps that never drift, loudness on target, resident memory
// that does not grow. Each is fed from one thread; PauseMap is shared by the
// thread that generates the programme and the one that measures the output.
#pragma once

#include <ebur128.h>
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace lacquer::soak {

// Every output buffer must start exactly where the frames before it end:
// PTS = frames already out, in time, rounded as GStreamer rounds
// (gst_util_uint64_scale_round); its duration reaches the next frame's time.
class TimestampCheck {
 public:
  explicit TimestampCheck(int rate) : rate_(guint64(rate)) {}

  void add(GstClockTime pts, GstClockTime duration, guint64 frames) noexcept {
    const GstClockTime expected = time_of(frames_);
    const GstClockTime expected_end = time_of(frames_ + frames);
    if (!GST_CLOCK_TIME_IS_VALID(pts) || pts != expected ||
        (GST_CLOCK_TIME_IS_VALID(duration) && pts + duration != expected_end)) {
      ++mismatches_;
      if (mismatches_ == 1) first_mismatch_frame_ = frames_;
      if (GST_CLOCK_TIME_IS_VALID(pts)) {
        const double drift = std::fabs(double(pts) - double(expected));
        max_drift_ns_ = std::max(max_drift_ns_, drift);
      }
    }
    frames_ += frames;
    ++buffers_;
  }

  guint64 frames() const noexcept { return frames_; }
  guint64 buffers() const noexcept { return buffers_; }
  guint64 mismatches() const noexcept { return mismatches_; }
  guint64 first_mismatch_frame() const noexcept { return first_mismatch_frame_; }
  double max_drift_ns() const noexcept { return max_drift_ns_; }

 private:
  GstClockTime time_of(guint64 frame) const noexcept {
    return gst_util_uint64_scale_round(frame, GST_SECOND, rate_);
  }

  guint64 rate_;
  guint64 frames_ = 0;
  guint64 buffers_ = 0;
  guint64 mismatches_ = 0;
  guint64 first_mismatch_frame_ = 0;
  double max_drift_ns_ = 0.0;
};

// The pauses of the programme, in input frames. The output is aligned with
// the input (the elements compensate their latency), so output frame n is
// input frame n.
class PauseMap {
 public:
  void add(std::size_t begin, std::size_t end) {
    const std::lock_guard lock(mutex_);
    pauses_.push_back({begin, end});
  }
  // Whether [begin, end) touches a pause; forgets the pauses that end before
  // `begin` (the output never goes back).
  bool overlaps(std::size_t begin, std::size_t end) {
    const std::lock_guard lock(mutex_);
    while (!pauses_.empty() && pauses_.front().end <= begin) pauses_.pop_front();
    for (const Range& p : pauses_) {
      if (p.begin < end && begin < p.end) return true;
    }
    return false;
  }

 private:
  struct Range {
    std::size_t begin, end;
  };
  std::mutex mutex_;
  std::deque<Range> pauses_;
};

// Loudness of the output by libebur128 (an implementation that shares no
// gating code with the normaliser's own meter): integrated per period and
// over the whole run (histogram mode, so its memory stays fixed however long
// the run), and the short-term loudness every 100 ms.
class OutputLoudness {
 public:
  OutputLoudness(int rate, double target_lufs)
      : rate_(rate), hop_(std::size_t(rate / 10)), target_lufs_(target_lufs) {
    run_ = make(EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM);
    period_ = make(EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM);
  }
  ~OutputLoudness() {
    ebur128_destroy(&run_);
    ebur128_destroy(&period_);
  }
  OutputLoudness(const OutputLoudness&) = delete;
  OutputLoudness& operator=(const OutputLoudness&) = delete;

  // Frames the caller must cut its feed at: add() takes no more than this.
  std::size_t frames_to_hop() const noexcept { return hop_ - fed_ % hop_; }

  // `frames` interleaved stereo frames, not crossing a 100 ms boundary.
  // At each boundary a short-term reading whose 3 s window lies past the
  // first 10 s (the normaliser's first estimate) and clear of pauses counts.
  void add(const float* interleaved, std::size_t frames, PauseMap& pauses) {
    ebur128_add_frames_float(run_, interleaved, frames);
    ebur128_add_frames_float(period_, interleaved, frames);
    fed_ += frames;
    if (fed_ % hop_ != 0 || fed_ < std::size_t(10 * rate_)) return;
    const std::size_t window = std::size_t(3 * rate_);
    if (pauses.overlaps(fed_ - window, fed_)) return;
    double short_term = -HUGE_VAL;
    ebur128_loudness_shortterm(run_, &short_term);
    ++period_points_;
    ++run_points_;
    if (std::fabs(short_term - target_lufs_) <= kShortTermToleranceLu) {
      ++period_in_tolerance_;
      ++run_in_tolerance_;
    }
  }

  struct Reading {
    double integrated_lufs;
    double short_term_fraction;  // of the counted readings within +-2 LU
    long short_term_points;
  };

  // The period just ended; the next one starts afresh.
  Reading close_period() {
    Reading r{integrated(period_), fraction(period_in_tolerance_, period_points_), period_points_};
    ebur128_destroy(&period_);
    period_ = make(EBUR128_MODE_I | EBUR128_MODE_HISTOGRAM);
    period_points_ = period_in_tolerance_ = 0;
    return r;
  }
  Reading whole_run() const {
    return {integrated(run_), fraction(run_in_tolerance_, run_points_), run_points_};
  }

  static constexpr double kShortTermToleranceLu = 2.0;

 private:
  ebur128_state* make(int mode) const {
    ebur128_state* st = ebur128_init(2, static_cast<unsigned long>(rate_), mode);
    if (st == nullptr) throw std::runtime_error("ebur128_init failed");
    return st;
  }
  static double integrated(ebur128_state* st) {
    double lufs = -HUGE_VAL;
    ebur128_loudness_global(st, &lufs);
    return lufs;
  }
  static double fraction(long part, long whole) {
    return whole > 0 ? double(part) / double(whole) : 0.0;
  }

  int rate_;
  std::size_t hop_;  // 100 ms
  double target_lufs_;
  ebur128_state* run_ = nullptr;
  ebur128_state* period_ = nullptr;
  std::size_t fed_ = 0;
  long period_points_ = 0, period_in_tolerance_ = 0;
  long run_points_ = 0, run_in_tolerance_ = 0;
};

// Resident set size of this process, from /proc/self/statm.
inline double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return double(pages_resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

}  // namespace lacquer::soak
