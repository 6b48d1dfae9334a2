// The `limiter` stage: TruePeakLimiter behind a parameter table, for the
// GStreamer element masterlimiter and the LV2 plugin urn:lacquer:limiter.
#pragma once

#include <lacquer/dsp/stage.hpp>
#include <lacquer/dsp/true_peak_limiter.hpp>

namespace lacquer::dsp {

class LimiterStage final : public Stage {
 public:
  LimiterStage();

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  int latency() const noexcept override;
  int max_latency() const noexcept override { return limiter_.max_latency(); }
  float meter(int index, int channel) const noexcept override;

  const TruePeakLimiter& limiter() const noexcept { return limiter_; }

  enum Index : int {
    kCeiling,
    kDrive,
    kLookahead,
    kRelease,
    kAutoRelease,
    kLink,
    kTruePeak,
    kGainReduction,
    kCount
  };

 private:
  void apply_params() noexcept;
  TruePeakLimiter limiter_;
  bool fresh_ = true;  // no audio since prepare() or reset()
};

const StageInfo& limiter_info() noexcept;

}  // namespace lacquer::dsp
