#include <lacquer/dsp/compressor_core.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lacquer::dsp {
namespace {

// Below this the detector level counts as silence (-200 dBFS).
constexpr float kLevelFloor = 1e-10f;
constexpr float kDbToNeper = static_cast<float>(std::numbers::ln10 / 20.0);

float db_to_gain(float db) noexcept { return db == 0.0f ? 1.0f : std::exp(db * kDbToNeper); }

}  // namespace

void CompressorCore::prepare(double sample_rate, int channels, int max_block, double smoothing_ms) {
  sample_rate_ = sample_rate;
  channels_ = std::clamp(channels, 0, kMaxChannels);
  smoothing_ = GainSmoother::coefficient(smoothing_ms, sample_rate);
  for (LevelDetector& d : detectors_) d.prepare(sample_rate, kMaxWindowMs);
  const auto block = static_cast<std::size_t>(std::max(max_block, 1));
  levels_.assign(static_cast<std::size_t>(channels_), std::vector<float>(block, 0.0f));
  for (auto* curve : {&threshold_curve_, &slope_curve_, &knee_curve_, &makeup_curve_, &link_curve_,
                      &mix_curve_, &gain_}) {
    curve->assign(block, 0.0f);
  }
  reset();
}

void CompressorCore::reset() noexcept {
  for (LevelDetector& d : detectors_) d.reset();
  for (GainSmoother& s : smoothers_) s.reset();
  block_reduction_db_.fill(0.0f);
  snap_ = true;
}

void CompressorCore::set(const CompressorSettings& s) noexcept {
  threshold_db_.target = s.threshold_db;
  slope_.target = GainComputer::slope_for_ratio(s.ratio);
  knee_db_.target = std::max(0.0f, s.knee_db);
  const float auto_makeup_db =
      s.auto_makeup ? GainComputer::reduction_db(0.0f, threshold_db_.target, slope_.target, knee_db_.target)
                    : 0.0f;
  makeup_db_.target = s.makeup_db + auto_makeup_db;
  link_.target = std::clamp(s.link, 0.0f, 1.0f);
  mix_.target = std::clamp(s.mix, 0.0f, 1.0f);
  if (snap_) {
    for (Smoothed* p : {&threshold_db_, &slope_, &knee_db_, &makeup_db_, &link_, &mix_}) p->value = p->target;
    snap_ = false;
  }
  for (int c = 0; c < channels_; ++c) {
    detectors_[static_cast<std::size_t>(c)].set(s.detector, s.window_ms);
    smoothers_[static_cast<std::size_t>(c)].set_times(s.attack_ms, s.release_ms, s.auto_release, sample_rate_);
  }
}

void CompressorCore::fill_trajectory(Smoothed& p, float* out, int frames) const noexcept {
  if (p.settled()) {
    std::fill_n(out, frames, p.value);
    return;
  }
  float v = p.value;
  const float target = p.target;
  const float a = smoothing_;
  for (int i = 0; i < frames; ++i) {
    v = target + a * (v - target);
    // Land exactly: a parameter that has arrived must give exactly its value
    // (unity gain stays bit-exact unity).
    if (std::fabs(v - target) <= 1e-6f * std::max(1.0f, std::fabs(target))) v = target;
    out[i] = v;
  }
  p.value = v;
}

void CompressorCore::process(const float* const* sidechain, float* const* audio, int frames) noexcept {
  float* threshold = threshold_curve_.data();
  float* slope = slope_curve_.data();
  float* knee = knee_curve_.data();
  float* makeup = makeup_curve_.data();
  float* link = link_curve_.data();
  float* mix = mix_curve_.data();
  const bool curve_settled = threshold_db_.settled() && knee_db_.settled();
  fill_trajectory(threshold_db_, threshold, frames);
  fill_trajectory(slope_, slope, frames);
  fill_trajectory(knee_db_, knee, frames);
  fill_trajectory(makeup_db_, makeup, frames);
  fill_trajectory(link_, link, frames);
  fill_trajectory(mix_, mix, frames);

  for (int c = 0; c < channels_; ++c) {
    detectors_[static_cast<std::size_t>(c)].process(sidechain[c], levels_[static_cast<std::size_t>(c)].data(),
                                                     frames);
  }
  // Fully linked (the default): every channel gets the loudest level, so one
  // gain curve serves them all.
  if (channels_ > 1 && link_.settled() && link_.value == 1.0f) {
    float* loudest = levels_[0].data();
    for (int c = 1; c < channels_; ++c) {
      const float* level = levels_[static_cast<std::size_t>(c)].data();
      for (int i = 0; i < frames; ++i) loudest[i] = std::max(loudest[i], level[i]);
    }
    float* gain = gain_.data();
    const float most = compute_gain(smoothers_[0], loudest, threshold, slope, knee, makeup, mix, curve_settled,
                                    gain, frames);
    for (int c = 0; c < channels_; ++c) {
      float* x = audio[c];
      for (int i = 0; i < frames; ++i) x[i] *= gain[i];
      smoothers_[static_cast<std::size_t>(c)] = smoothers_[0];
      block_reduction_db_[static_cast<std::size_t>(c)] = most;
    }
    return;
  }
  // Stereo link on linear levels: each channel moves towards the loudest.
  if (channels_ > 1) {
    for (int i = 0; i < frames; ++i) {
      if (link[i] == 0.0f) continue;
      float loudest = 0.0f;
      for (int c = 0; c < channels_; ++c) loudest = std::max(loudest, levels_[static_cast<std::size_t>(c)][i]);
      for (int c = 0; c < channels_; ++c) {
        float& level = levels_[static_cast<std::size_t>(c)][i];
        level += link[i] * (loudest - level);
      }
    }
  }

  float* gain = gain_.data();
  for (int c = 0; c < channels_; ++c) {
    block_reduction_db_[static_cast<std::size_t>(c)] =
        compute_gain(smoothers_[static_cast<std::size_t>(c)], levels_[static_cast<std::size_t>(c)].data(), threshold,
                     slope, knee, makeup, mix, curve_settled, gain, frames);
    float* x = audio[c];
    for (int i = 0; i < frames; ++i) x[i] *= gain[i];
  }
}

float CompressorCore::compute_gain(GainSmoother& smoother, const float* level, const float* threshold,
                                   const float* slope, const float* knee, const float* makeup, const float* mix,
                                   bool curve_settled, float* gain, int frames) noexcept {
  // Levels below the knee need no logarithm: their reduction is 0.
  const float quiet_below =
      curve_settled ? std::pow(10.0f, (threshold[0] - 0.5f * knee[0]) / 20.0f) : 0.0f;
  float most = 0.0f;
  for (int i = 0; i < frames; ++i) {
    float wanted = 0.0f;
    if (level[i] > quiet_below) {
      const float level_db = 20.0f * std::log10(std::max(level[i], kLevelFloor));
      wanted = GainComputer::reduction_db(level_db, threshold[i], slope[i], knee[i]);
    }
    const float reduction = smoother.process(wanted);
    most = std::max(most, reduction);
    gain[i] = (1.0f - mix[i]) + mix[i] * db_to_gain(makeup[i] - reduction);
  }
  return most;
}

float CompressorCore::reduction_db(int channel) const noexcept {
  if (channel >= 0 && channel < channels_) return block_reduction_db_[static_cast<std::size_t>(channel)];
  float most = 0.0f;
  for (int c = 0; c < channels_; ++c) most = std::max(most, block_reduction_db_[static_cast<std::size_t>(c)]);
  return most;
}

}  // namespace lacquer::dsp
