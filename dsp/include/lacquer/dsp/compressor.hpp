// The mastering compressor (`comp`): a CompressorCore with a sidechain
// high-pass filter, stereo or mid/side operation and optional lookahead.
//
// Signal flow per block: (mid/side encode) -> sidechain = copy, high-passed
// -> audio delayed by the lookahead -> gain from the sidechain applied to the
// delayed audio -> (mid/side decode).
#pragma once

#include <lacquer/dsp/biquad.hpp>
#include <lacquer/dsp/compressor_core.hpp>
#include <lacquer/dsp/delay_line.hpp>
#include <lacquer/dsp/stage.hpp>

#include <array>
#include <vector>

namespace lacquer::dsp {

class Compressor final : public Stage {
 public:
  Compressor();

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  int latency() const noexcept override;
  int max_latency() const noexcept override;
  float meter(int index, int channel) const noexcept override;

  enum Index : int {
    kThreshold, kRatio, kKnee, kAttack, kRelease, kAutoRelease, kMakeup, kAutoMakeup,
    kDetector, kWindow, kLink, kMode, kSidechainHpf, kMix, kLookahead, kGainReduction, kCount
  };
  static constexpr float kMaxLookaheadMs = 20.0f;

 private:
  int lookahead_frames(float ms) const noexcept;
  void update_sidechain_filter(float frequency_hz) noexcept;

  ProcessSpec spec_{};
  CompressorCore core_;
  DelayLine lookahead_;
  std::array<Biquad, kMaxChannels> sidechain_hpf_{};
  float sidechain_hpf_hz_ = -1.0f;  // the design in sidechain_hpf_
  std::vector<std::vector<float>> sidechain_;
};

const StageInfo& comp_info() noexcept;

}  // namespace lacquer::dsp
