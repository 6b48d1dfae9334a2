// True-peak brick-wall limiter: the output never exceeds the ceiling, in
// sample peak and in true peak (BS.1770 Annex 2), and the gain moves smoothly
// enough that a limited tone stays clean.
//
// Per channel, per sample:
//
//   x = input * drive ─┬─────────────── delay (latency) ──────────────── * g ─> out
//                      └ TruePeakDetector -> r = min(1, ceiling / peak)
//                          -> channel link (r moves towards the lowest r)
//                          -> SlidingMinimum over S = lookahead + 1 samples
//                          -> release (instant down, one-pole up)
//                          -> MovingAverage -> MovingAverage (lengths summing to S + 1)
//                          = g
//
// Why it holds the ceiling: the two averages give g[n] as a weighted mean of
// S consecutive released values; each of those is at most the minimum of r
// over a window of S samples, and the audio delay is chosen so that every
// one of those windows contains the sample g[n] is applied to. A mean of
// values that are all at or below r is at or below r. The detector's estimate
// covers the sample intervals on both sides of a sample, so the ceiling holds
// between samples too (up to the detector's residual error, documented in
// true_peak_detector.hpp, and the small spread a moving gain adds to the
// spectrum).
//
// Measured against an independent 16x meter (tests/dsp/test_limiter.cpp):
// at most +0.05 dB over the ceiling on full-scale squares, near-Nyquist sines,
// clipped drums, white noise driven 12 dB and the demo mix driven 12 dB, at
// 22.05-192 kHz. The moving gain is the limit: with the shortest lookahead
// (0.5 ms) the same noise reads +0.08 dB at a 10 ms release and +0.13 dB at
// 1 ms.
//
// Threading: the setters are called on the audio thread between process()
// calls (a Stage wrapping the limiter reads its parameters once per block and
// passes them on); they only set targets. Ceiling and drive glide over
// kGlideMs; release, link and true-peak mode act from the next sample.
// A new lookahead changes the latency: the output fades out over
// kLookaheadSwitchMs, the delay changes in silence, and it fades back in (a
// jump of the delay would click, and the click's inter-sample peaks would
// pass the ceiling).
#pragma once

#include <lacquer/dsp/moving_average.hpp>
#include <lacquer/dsp/sliding_minimum.hpp>
#include <lacquer/dsp/true_peak_detector.hpp>
#include <vector>

namespace lacquer::dsp {

class TruePeakLimiter {
 public:
  static constexpr int kMaxChannels = 8;
  static constexpr double kMinLookaheadMs = 0.5;
  static constexpr double kMaxLookaheadMs = 10.0;
  static constexpr double kGlideMs = 20.0;
  static constexpr double kLookaheadSwitchMs = 5.0;

  // Non-realtime: allocates everything for blocks of up to `max_block`.
  void prepare(double sample_rate, int channels, int max_block);
  void reset() noexcept;
  // Planar, in place, frames <= max_block.
  void process(float* const* audio, int frames) noexcept;

  void set_ceiling_dbtp(double ceiling_dbtp) noexcept;  // -20 ... 0
  void set_drive_db(double drive_db) noexcept;          // 0 ... +24
  void set_lookahead_ms(double lookahead_ms) noexcept;  // 0.5 ... 10
  void set_release_ms(double release_ms) noexcept;      // 1 ... 2000
  // Program-dependent release: a short peak recovers ten times faster than
  // `release_ms` back to the standing level of gain reduction, which itself
  // follows the programme with ten times the release time.
  void set_auto_release(bool on) noexcept { auto_release_ = on; }
  void set_link(double link) noexcept;   // 0: channels independent ... 1: one gain for all
  void set_true_peak(bool on) noexcept;  // off: sample peak only

  double ceiling_dbtp() const noexcept { return ceiling_dbtp_; }
  double drive_db() const noexcept { return drive_db_; }
  double lookahead_ms() const noexcept { return lookahead_ms_; }
  double release_ms() const noexcept { return release_ms_; }
  bool auto_release() const noexcept { return auto_release_; }
  double link() const noexcept { return link_; }
  bool true_peak() const noexcept { return true_peak_; }

  // Frames from input to output for the current lookahead (as of the next
  // process()); constant for a given lookahead and sample rate.
  int latency() const noexcept { return latency_for(lookahead_ms_); }
  // Latency a lookahead of `lookahead_ms` gives at the prepared rate.
  int latency_for(double lookahead_ms) const noexcept;
  // Latency at the longest lookahead.
  int max_latency() const noexcept;
  // Oversampling factor of the true-peak detector at the prepared rate.
  int oversampling() const noexcept { return TruePeakDetector::oversampling_for(rate_); }

  // Deepest gain reduction during the last process() call, in dB (>= 0);
  // channel -1: over all channels.
  double gain_reduction_db(int channel = -1) const noexcept;

 private:
  struct Channel {
    TruePeakDetector detector;
    SlidingMinimum hold;
    MovingAverage ramp1;
    MovingAverage ramp2;
    std::vector<float> delay;    // the driven input, latency frames back
    std::vector<float> gain;     // this block: peak estimate, then r, then g
    std::vector<float> history;  // r of the last max_lookahead + 1 samples (ring)
    double released = 1.0;       // the held r after release
    double standing = 1.0;       // auto release: standing gain (slow average)
    float min_gain = 1.0f;       // over the last block
  };

  void process_part(float* const* audio, int frames) noexcept;
  float envelope(Channel& ch, const float* r, float* g, int frames) noexcept;
  int lookahead_frames(double lookahead_ms) const noexcept;
  void configure_lookahead(int frames) noexcept;
  void restart_envelope(Channel& ch, const Channel& covered) noexcept;
  void update_coefficients() noexcept;

  double rate_ = 48000.0;
  int channels_ = 0;
  int max_block_ = 0;
  // Settings.
  double ceiling_dbtp_ = -1.0;
  double drive_db_ = 0.0;
  double lookahead_ms_ = 1.5;
  double release_ms_ = 50.0;
  bool auto_release_ = true;
  double link_ = 1.0;
  bool true_peak_ = true;
  // State.
  std::vector<Channel> channel_;
  std::vector<float> drive_gain_;    // per sample of the block
  std::vector<float> ceiling_gain_;  // per sample of the block
  std::vector<float> switch_gain_;   // per sample of the block, while switching
  std::vector<float> lowest_;        // per sample of the block: the lowest r, or the shared gain
  bool shared_ = false;              // the last block ran one gain path for all channels
  enum class Switch { none, fading_out, fading_in } switch_ = Switch::none;
  int switch_frames_ = 1;
  int switch_left_ = 0;
  double drive_now_ = 1.0, drive_target_ = 1.0, drive_step_ = 0.0;
  double ceiling_now_ = 1.0, ceiling_target_ = 1.0, ceiling_step_ = 0.0;
  int drive_left_ = 0, ceiling_left_ = 0;
  int active_lookahead_ = 0;  // frames the state is configured for
  int history_size_ = 1;
  int history_pos_ = 0;
  int delay_size_ = 1;
  int delay_pos_ = 0;
  double release_coef_ = 0.0;
  double fast_release_coef_ = 0.0;
  double standing_coef_ = 0.0;
};

}  // namespace lacquer::dsp
