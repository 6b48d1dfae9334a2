#include <lacquer/dsp/denormals.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include <algorithm>
#include <cmath>

namespace lacquer::dsp {

StageRunner::StageRunner(std::unique_ptr<Stage> stage) : stage_(std::move(stage)) {}

void StageRunner::prepare(const ProcessSpec& spec) {
  spec_ = spec;
  stage_->prepare(spec);
  const bool needs_dry = !stage_->info().analyser;
  const std::size_t ring = needs_dry
      ? static_cast<std::size_t>(stage_->max_latency() + spec.max_block) : 0;
  dry_ring_.assign(static_cast<std::size_t>(spec.channels), std::vector<float>(ring, 0.0f));
  fade_step_ = static_cast<float>(1.0 / std::max(1.0, kBypassFadeMs * 1e-3 * spec.sample_rate));
  nonfinite_count_ = 0;
  reset();
}

void StageRunner::reset() noexcept {
  stage_->reset();
  for (auto& ring : dry_ring_) std::fill(ring.begin(), ring.end(), 0.0f);
  ring_pos_ = 0;
  wet_gain_ = bypass() ? 0.0f : 1.0f;
}

void StageRunner::process(float* const* audio, int frames) noexcept {
  ScopedFlushDenormals no_denormals;
  float* chunk[16];
  const int channels = std::min(spec_.channels, 16);
  for (int done = 0; done < frames; done += spec_.max_block) {
    const int n = std::min(spec_.max_block, frames - done);
    for (int c = 0; c < channels; ++c) chunk[c] = audio[c] + done;
    process_block(chunk, n);
  }
}

void StageRunner::process_block(float* const* audio, int frames) noexcept {
  sanitize(audio, frames);
  if (dry_ring_.empty() || dry_ring_.front().empty()) {
    stage_->process(audio, frames);
    return;
  }
  remember_dry(audio, frames);
  stage_->process(audio, frames);
  const float target = bypass() ? 0.0f : 1.0f;
  if (wet_gain_ != target || target == 0.0f) mix_dry(audio, frames);
  ring_pos_ = (ring_pos_ + frames) % static_cast<int>(dry_ring_.front().size());
}

// Non-finite samples never reach a stage: a NaN in a recursive filter would
// poison it for good. They are replaced by silence and counted. Finite ones
// beyond kMaxSample are clipped to it, or a stage's arithmetic could overflow
// to infinity and poison it just the same.
void StageRunner::sanitize(float* const* audio, int frames) noexcept {
  for (int c = 0; c < spec_.channels; ++c) {
    float* x = audio[c];
    // |x| <= kMaxSample is false for NaN, ±Inf and what is too loud; an OR of
    // comparisons vectorises where a float sum or maximum would not.
    int outside = 0;
    for (int i = 0; i < frames; ++i) outside |= !(std::fabs(x[i]) <= kMaxSample);
    if (outside == 0) continue;
    for (int i = 0; i < frames; ++i) {
      if (!std::isfinite(x[i])) {
        x[i] = 0.0f;
        ++nonfinite_count_;
      } else {
        x[i] = std::clamp(x[i], -kMaxSample, kMaxSample);
      }
    }
  }
}

void StageRunner::remember_dry(float* const* audio, int frames) noexcept {
  const int size = static_cast<int>(dry_ring_.front().size());
  for (int c = 0; c < spec_.channels; ++c) {
    float* ring = dry_ring_[c].data();
    for (int i = 0, pos = ring_pos_; i < frames; ++i, pos = (pos + 1 == size ? 0 : pos + 1)) {
      ring[pos] = audio[c][i];
    }
  }
}

void StageRunner::mix_dry(float* const* audio, int frames) noexcept {
  const int size = static_cast<int>(dry_ring_.front().size());
  const int delay = std::clamp(stage_->latency(), 0, size - frames);
  const float target = bypass() ? 0.0f : 1.0f;
  const float step = target > wet_gain_ ? fade_step_ : -fade_step_;
  float gain = wet_gain_;
  for (int c = 0; c < spec_.channels; ++c) {
    const float* ring = dry_ring_[c].data();
    gain = wet_gain_;
    int pos = ((ring_pos_ - delay) % size + size) % size;
    for (int i = 0; i < frames; ++i, pos = (pos + 1 == size ? 0 : pos + 1)) {
      if (gain != target) gain = step > 0 ? std::min(target, gain + step) : std::max(target, gain + step);
      audio[c][i] = gain * audio[c][i] + (1.0f - gain) * ring[pos];
    }
  }
  wet_gain_ = gain;
}

}  // namespace lacquer::dsp
