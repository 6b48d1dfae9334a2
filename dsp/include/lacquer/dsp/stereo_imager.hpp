// Stereo imager: width overall and per band, bass mono, mid and side gain,
// balance, rotation, a phase-correlation meter, a mono-compatibility meter and
// a width safety that keeps the correlation above a floor.
//
// Signal flow, with mid M = (L + R) / 2 and side S = (L - R) / 2:
//
//   M * mid_gain,  S * side_gain * width
//   per-band width (optional): S split into three LR4 bands (crossover.hpp),
//     each scaled by its width; M through the allpass the bands sum to, so M
//     and the band sum stay in phase
//   rotation of the (M, S) pair
//   safety (optional): S scaled down until the averaged correlation of the
//     result is no lower than the floor
//   bass mono (optional): S high-passed with LR8 (48 dB/octave), M through the
//     matching allpass: the crossover sums flat, only the low side is gone
//   L = M + S, R = M - S, then balance
//   meters on the output
//
// With every control neutral the path is exact: M and S are formed and
// recombined in double precision, so the output equals the input.
//
// Parameters move along 32-frame control chunks laid on a fixed grid of the
// stream (not of the host's blocks), with the values interpolated per frame
// inside a chunk: the output does not depend on the block size.
#pragma once

#include <lacquer/dsp/biquad.hpp>
#include <lacquer/dsp/crossover.hpp>
#include <lacquer/dsp/k_weighting.hpp>
#include <lacquer/dsp/linear_ramp.hpp>
#include <lacquer/dsp/linkwitz_riley8.hpp>
#include <lacquer/dsp/stage.hpp>

#include <array>

namespace lacquer::dsp {

class StereoImager final : public Stage {
 public:
  StereoImager();

  // Throws std::invalid_argument unless spec.channels == 2.
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  float meter(int index, int channel) const noexcept override;

  // Phase correlation of the output, -1 ... +1, averaged over about 400 ms;
  // 0 in silence.
  double correlation() const noexcept;
  // Loudness lost when the output is folded to mono ((L + R) / 2 on both
  // speakers), in LU of K-weighted energy (BS.1770); 0 in silence.
  double mono_loss_lu() const noexcept;
  // Side gain the safety applies now (1: not limiting).
  double safety_gain() const noexcept { return safety_gain_; }

  static constexpr int kBands = 3;
  static constexpr int kChunk = 32;  // frames per control step

  enum Index : int {
    kWidth,
    kMidGain,
    kSideGain,
    kBalance,
    kRotation,
    kBassMono,
    kBassMonoFrequency,
    kMultiband,
    kLowCrossover,
    kHighCrossover,
    kSafety,
    kMinCorrelation,
    kCorrelation,
    kMonoLoss,
    kSafetyWidth,
    kTopLevelCount,
    kBandWidth = kTopLevelCount,  // band b's width: kBandWidth + b
  };

 private:
  // What the per-frame path needs, interpolated linearly across a chunk.
  enum Control : int {
    kCtlMidGain,
    kCtlSideGain,
    kCtlBand0,
    kCtlBand1,
    kCtlBand2,
    kCtlMultiband,
    kCtlCos,
    kCtlSin,
    kCtlSafety,
    kCtlBassMono,
    kCtlLeftGain,
    kCtlRightGain,
    kCtlCount
  };
  using Controls = std::array<double, kCtlCount>;

  void read_params(bool jump) noexcept;
  void begin_chunk() noexcept;
  void end_chunk() noexcept;
  void process_span(float* left, float* right, int frames) noexcept;
  void update_filters(int ramp_frames) noexcept;
  double safety_limit() const noexcept;
  Controls controls_now() const noexcept;

  double sample_rate_ = 48000.0;
  int phase_ = 0;      // frames into the current chunk
  bool fresh_ = true;  // no frame processed since reset()

  // Smoothed parameters, moved once per chunk.
  LinearRamp width_, mid_gain_db_, side_gain_db_, balance_, rotation_deg_;
  std::array<LinearRamp, kBands> band_width_;
  LinearRamp multiband_fade_, bass_mono_fade_;
  LinearRamp bass_mono_log2_hz_, low_crossover_log2_hz_, high_crossover_log2_hz_;
  bool safety_on_ = false;
  double min_correlation_ = 0.0;
  double safety_gain_ = 1.0;

  Controls from_{};  // at the start of the chunk
  Controls to_{};    // at its end
  bool multiband_running_ = false;
  bool bass_mono_running_ = false;

  Crossover side_bands_;                 // one channel: S
  std::array<Biquad, 2> mid_allpass_{};  // A(low crossover) * A(high crossover) on M
  LinkwitzRiley8 bass_mono_filter_;      // high side on S, allpass on M
  KWeighting mid_weighting_, side_weighting_;
  // Float copies of one span of M and S for the filters, and S's bands.
  std::array<float, kChunk> scratch_mid_{};
  std::array<float, kChunk> scratch_side_{};
  std::array<std::array<float, kChunk>, kBands> scratch_bands_{};

  // Averages: safety statistics (pre-safety M², S², M·S) and output meters
  // (L², R², L·R, K-weighted M², K-weighted S²). Sums collect one chunk; at
  // its end they update one-pole averages.
  enum Stat : int {
    kStatMid,
    kStatSide,
    kStatCross,
    kStatLeft,
    kStatRight,
    kStatLeftRight,
    kStatLoudMid,
    kStatLoudSide,
    kStatCount
  };
  std::array<double, kStatCount> sums_{};
  std::array<double, kStatCount> averages_{};
  double safety_average_coef_ = 0.0;
  double meter_average_coef_ = 0.0;
  double safety_attack_coef_ = 0.0;
  double safety_release_coef_ = 0.0;
};

const StageInfo& imager_info() noexcept;

}  // namespace lacquer::dsp
