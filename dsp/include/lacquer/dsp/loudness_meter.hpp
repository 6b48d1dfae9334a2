// BS.1770-4 / EBU R128 loudness meter (EBU Tech 3341, 3342).
//
// libebur128 does the K-weighting, the momentary (400 ms) and short-term (3 s)
// windows and the per-channel sample peak. The gating that needs history —
// integrated loudness and loudness range — is done here in two fixed-size
// histograms of 0.01 LU bins, so the meter never allocates while running and
// reset() only clears arrays (libebur128 itself can only be reset by
// re-creating its state).
//
// True peak comes from the limiter's TruePeakDetector (4x, 8x below 44.1 kHz,
// flat to 0.47 fs, refined between oversampled points), not from libebur128's
// 4x interpolator. Against a 16x reference meter (tests/common/true_peak16.hpp)
// on 10 s of white noise, pink noise, sines up to 0.49 fs and the demo mix
// before and after mastering, at 44.1 and 48 kHz, the detector reads within
// 0.03 dB; libebur128 reads up to 0.65 dB low on white noise and 0.44 dB low
// on a 0.4 fs sine, and up to 0.21 dB high on a limited master. Every reading
// includes the detector's pending tail, as if the stream ended there, so the
// value at the end of a file counts its last samples and their ringing.
#pragma once

#include <lacquer/dsp/ebur128_meter.hpp>
#include <lacquer/dsp/stage.hpp>
#include <lacquer/dsp/true_peak_detector.hpp>

#include <array>
#include <memory>
#include <vector>

namespace lacquer::dsp {

// Energy histogram over [-70, +30) LUFS in 0.01 LU bins: counts and the exact
// energy sum of the blocks that fell in each bin.
class LoudnessHistogram {
 public:
  static constexpr double kFloorLufs = -70.0;  // BS.1770 absolute gate
  static constexpr double kCeilingLufs = 30.0;
  static constexpr double kBinLu = 0.01;
  static constexpr int kBins = 10000;

  LoudnessHistogram();
  void clear() noexcept;
  void add(double energy) noexcept;  // mean square of one block, K-weighted
  long long blocks() const noexcept { return total_count_; }
  // Power mean of blocks above the absolute gate and `relative_gate_lu` below
  // that mean (BS.1770: -10 LU); -inf when there are none.
  double gated_loudness(double relative_gate_lu) const noexcept;
  // EBU Tech 3342 loudness range: 95th - 10th percentile of the blocks above
  // the absolute gate and 20 LU below their power mean.
  double range() const noexcept;

 private:
  int bin_of(double lufs) const noexcept;
  std::vector<long long> count_;
  std::vector<double> energy_;
  long long total_count_ = 0;
};

class LoudnessMeter final : public Stage {
 public:
  LoudnessMeter();
  ~LoudnessMeter() override;

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  float meter(int index, int channel) const noexcept override;

  // Results in LUFS / LU / dBFS / dBTP; -inf when nothing has been measured.
  double momentary() const noexcept;
  double short_term() const noexcept;
  double integrated() const noexcept;
  double loudness_range() const noexcept;
  double sample_peak_db(int channel) const noexcept;  // -1: max over channels
  double true_peak_db(int channel) const noexcept;

  enum Index : int {
    kReset, kMomentary, kShortTerm, kIntegrated, kRange, kSamplePeak, kTruePeak, kCount
  };

 private:
  void add_block(float* const* audio, int offset, int frames) noexcept;
  void on_hop() noexcept;
  void update_pending_peaks() const noexcept;

  ProcessSpec spec_{};
  Ebur128Meter ebur128_;
  LoudnessHistogram gating_blocks_;   // 400 ms blocks, every 100 ms
  LoudnessHistogram short_term_blocks_;  // 3 s blocks, every 100 ms
  int hop_frames_ = 4800;      // 100 ms
  int frames_to_hop_ = 4800;
  long long frames_since_reset_ = 0;
  std::array<double, kMaxChannels> sample_peak_{};
  std::array<double, kMaxChannels> true_peak_{};      // estimates given so far
  // The detectors' pending tails are worked out when a true peak is read
  // (audio thread, after process), not after every block: draining a tail
  // costs as much as tens of frames, which at one-frame blocks made the meter
  // slower than real time.
  mutable std::array<double, kMaxChannels> pending_peak_{};   // the detector's tail
  mutable bool pending_peaks_stale_ = false;
  mutable std::vector<TruePeakDetector> true_peak_detectors_;  // one per channel
  std::vector<float> true_peak_estimates_;             // max_block
};

const StageInfo& loudness_info() noexcept;

}  // namespace lacquer::dsp
