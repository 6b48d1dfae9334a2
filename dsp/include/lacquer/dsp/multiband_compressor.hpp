// The multiband compressor (`mbcomp`): 2–5 bands from a Linkwitz–Riley
// crossover (bands sum to an allpass) or a linear-phase one (bands sum to a
// pure delay), a CompressorCore per band, per-band solo and bypass, stereo or
// mid/side, optional lookahead.
//
// With every band below its threshold (or bypassed) the output is the input
// through the crossover's allpass, or delayed by exactly latency() frames.
#pragma once

#include <lacquer/dsp/compressor_core.hpp>
#include <lacquer/dsp/crossover.hpp>
#include <lacquer/dsp/delay_line.hpp>
#include <lacquer/dsp/linear_phase_crossover.hpp>
#include <lacquer/dsp/stage.hpp>

#include <array>
#include <vector>

namespace lacquer::dsp {

class MultibandCompressor final : public Stage {
 public:
  MultibandCompressor();

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  int latency() const noexcept override;
  int max_latency() const noexcept override;
  float meter(int index, int channel) const noexcept override;

  static constexpr int kMaxBands = Crossover::kMaxBands;
  static constexpr float kMaxLookaheadMs = 20.0f;

  enum Index : int {
    kBands, kCrossoverType, kSplit1, kSplit2, kSplit3, kSplit4, kMode, kLookahead, kTopCount
  };
  // Parameters of band b: kTopCount + b * kBandCount + BandIndex.
  enum BandIndex : int {
    kThreshold, kRatio, kKnee, kAttack, kRelease, kAutoRelease, kMakeup, kAutoMakeup, kDetector,
    kWindow, kLink, kMix, kSolo, kBypass, kGainReduction, kBandCount
  };
  static constexpr int band_param(int band, int index) noexcept { return kTopCount + band * kBandCount + index; }

 private:
  int lookahead_frames(float ms) const noexcept;
  bool linear() const noexcept { return param(kCrossoverType) > 0.5f; }

  ProcessSpec spec_{};
  Crossover iir_;
  LinearPhaseCrossover linear_;
  bool was_linear_ = false;
  int active_bands_ = 0;
  std::array<CompressorCore, kMaxBands> cores_{};
  std::array<DelayLine, kMaxBands> lookahead_{};
  std::array<float, kMaxBands> weight_{};  // solo: smoothed band gains
  float weight_coefficient_ = 0.0f;
  // Scratch: band signals [band][channel][frame] and the sidechain copy.
  std::vector<std::vector<std::vector<float>>> band_audio_;
  std::vector<std::vector<float>> sidechain_;
};

const StageInfo& mbcomp_info() noexcept;

}  // namespace lacquer::dsp
