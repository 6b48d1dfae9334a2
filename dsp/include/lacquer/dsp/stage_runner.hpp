// What both faces put around a stage: splits long blocks, keeps non-finite
// and absurdly large input out of the stage, flushes denormals, and bypasses
// with a crossfade to the input delayed by the stage's latency (so bypass
// never moves the audio in time).
#pragma once

#include <lacquer/dsp/stage.hpp>

#include <atomic>
#include <memory>
#include <vector>

namespace lacquer::dsp {

class StageRunner {
 public:
  explicit StageRunner(std::unique_ptr<Stage> stage);

  Stage& stage() noexcept { return *stage_; }
  const Stage& stage() const noexcept { return *stage_; }
  const ProcessSpec& spec() const noexcept { return spec_; }

  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  // Planar, in place, any number of frames.
  void process(float* const* audio, int frames) noexcept;
  int latency() const noexcept { return stage_->latency(); }

  // Any thread. Bypass crossfades over `kBypassFadeMs`.
  void set_bypass(bool bypass) noexcept { bypass_.store(bypass, std::memory_order_relaxed); }
  bool bypass() const noexcept { return bypass_.load(std::memory_order_relaxed); }

  // How many non-finite samples were replaced by silence since prepare().
  long long nonfinite_count() const noexcept { return nonfinite_count_; }

  static constexpr double kBypassFadeMs = 10.0;
  // Finite samples beyond this (+180 dBFS) are clipped to it before a stage
  // sees them: no real signal comes near, and below it squares, window sums
  // and the largest gains of any stage stay finite in float.
  static constexpr float kMaxSample = 1e9f;

 private:
  void process_block(float* const* audio, int frames) noexcept;
  void sanitize(float* const* audio, int frames) noexcept;
  void remember_dry(float* const* audio, int frames) noexcept;
  void mix_dry(float* const* audio, int frames) noexcept;

  std::unique_ptr<Stage> stage_;
  ProcessSpec spec_{};
  std::atomic<bool> bypass_{false};
  // Dry path: a ring per channel, long enough for the largest latency plus one
  // block, so the dry signal can be read `latency` frames back.
  std::vector<std::vector<float>> dry_ring_;
  int ring_pos_ = 0;
  float wet_gain_ = 1.0f;  // 1: processed, 0: bypassed
  float fade_step_ = 0.0f;
  long long nonfinite_count_ = 0;
};

}  // namespace lacquer::dsp
