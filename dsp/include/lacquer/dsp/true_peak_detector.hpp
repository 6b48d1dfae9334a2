// Oversampled true-peak detector for a limiter's side chain.
//
// BS.1770-4 Annex 2 estimates the peak of the reconstructed (band-limited)
// signal by oversampling to at least 192 kHz with a polyphase FIR and taking
// the largest oversampled value. That alone under-reads: a peak that falls
// between two oversampled points is missed by up to 1 - cos(pi f / (K fs)),
// 0.55 dB for 0.45 fs at 4x. A limiter that trusts such a reading lets the
// output through above its ceiling, so this detector adds two things:
//
//  - a long interpolator, flat to 0.47 fs: content between 0.45 fs and
//    Nyquist is exactly what full-band material (noise, clipped drums) and a
//    moving limiter gain put there, and a short interpolator (BS.1770's 48
//    taps at 4x) does not see it. It is built as a cascade of half-band
//    stages, each doubling the rate: a 96-tap Kaiser-windowed sinc (beta 6)
//    from 1x to 2x, where the transition band has to be narrow, then 12 and 8
//    taps for 4x and 8x, where the signal occupies only the lower half of the
//    band. Symmetric half-band kernels need half the multiplies of a polyphase
//    FIR, and every stage but the first is short;
//  - at every oversampled point that is a local extremum, the vertex of the
//    parabola through it and its two neighbours. For a component at frequency
//    f the vertex misses the peak by O((pi f / (K fs))^4) instead of
//    O((pi f / (K fs))^2): 0.002 dB at 0.2 fs and 4x, where the plain maximum
//    misses by up to 0.17 dB.
//
// The factor K is 8 below 44.1 kHz and 4 from 44.1 kHz up (2x would do for
// programme at 88.2/96 kHz, but full-band content up to 0.45 fs is then
// missed by up to 0.15 dB between points).
//
// Measured on sines of any phase (the design check in the limiter's tests):
// the largest estimate over any 0.5 ms reads within 0.05 dB of the true peak
// up to 0.47 fs. Above that the interpolator's transition band lowers the
// reading; the sample values still bound it.
//
// For each input sample the detector writes the largest estimate over the two
// sample intervals around it ([n-1, n] and [n, n+1]), so a gain that is at or
// below ceiling / estimate at sample n holds the ceiling on both sides of n.
// The estimate for sample n comes out `kDelay` frames later.
#pragma once

#include <vector>

namespace lacquer::dsp {

class TruePeakDetector {
 public:
  static constexpr int kLongTaps = 96;     // 1x -> 2x
  static constexpr int kShortTaps = 12;    // 2x -> 4x
  static constexpr int kShortestTaps = 8;  // 4x -> 8x
  // Frames from an input sample to its estimate: how far each stage reads
  // ahead (48, 3 and 1 frames), plus the following sample that closes the
  // interval [n, n+1]. The same at every factor, so the latency only depends
  // on the rate through the lookahead.
  static constexpr int kDelay = kLongTaps / 2 + 3 + 1 + 1;

  static int oversampling_for(double sample_rate) noexcept;

  // Non-realtime: designs the interpolator for `sample_rate` and allocates for
  // blocks of up to `max_block` frames.
  void prepare(double sample_rate, int max_block);
  void reset() noexcept;

  // Off: the estimate is the sample peak |x[n]| (same delay, much cheaper).
  void set_oversampling_enabled(bool enabled) noexcept { oversampling_enabled_ = enabled; }
  bool oversampling_enabled() const noexcept { return oversampling_enabled_; }
  int oversampling() const noexcept { return factor_; }

  // peak[i] is the (non-negative, linear) peak estimate around the input
  // sample that arrived kDelay frames before in[i]. `in` and `peak` may alias.
  void process(const float* in, float* peak, int frames) noexcept;

  // Silence after the last input that brings out every estimate it still
  // holds: the last kDelay frames, and the ringing of the interpolator after
  // them (half the long kernel), as a D/A converter would ring at an abrupt
  // end.
  static constexpr int kDrainFrames = kDelay + kLongTaps / 2;

  // The largest estimate kDrainFrames of silence would bring out now: the
  // peak of the input the detector still holds, as if the stream ended here.
  // Leaves the detector as it was. Audio thread; never allocates.
  float pending_peak() noexcept;

 private:
  // Frames kept before each block in every row, and slack after it for the
  // 8-wide loops.
  static constexpr int kHistory = 128;
  static constexpr int kSlack = 8;

  float* row(int phase) noexcept {
    return rows_.data() + std::size_t(phase) * std::size_t(stride_) + kHistory;
  }
  // Midpoints of the R-times sequence held in rows 0, K/R, 2K/R, ... into the
  // rows in between, for base indices [first, last).
  void midpoints(int r_factor, const std::vector<float>& taps, int first, int last) noexcept;
  void interpolate(int first_a, int first_b, int first_c, int count) noexcept;
  template <int K>
  void estimate(float* peak, int frames) noexcept;

  int factor_ = 4;
  bool oversampling_enabled_ = true;
  bool rows_valid_ = true;        // false after blocks processed without oversampling
  std::vector<float> long_taps_;  // half of each symmetric kernel, nearest tap first
  std::vector<float> short_taps_;
  std::vector<float> shortest_taps_;
  std::vector<float> rows_;           // K rows: row p holds the signal at m + p/K
  std::vector<float> interval_peak_;  // 1 + max_block
  std::vector<float> refined_;        // K rows of max_block + kSlack
  std::vector<float> saved_history_;  // K rows of kHistory, for pending_peak()
  std::vector<float> silence_;        // min(kDrainFrames, max_block) zeros
  std::vector<float> drained_;        // and their estimates
  int stride_ = 0;
  int max_block_ = 0;
};

}  // namespace lacquer::dsp
