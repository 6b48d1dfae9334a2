#include <algorithm>
#include <cmath>
#include <lacquer/dsp/true_peak_limiter.hpp>

namespace lacquer::dsp {
namespace {

double db_to_gain(double db) noexcept { return std::pow(10.0, db / 20.0); }

// The ceiling the gain computer aims at sits 0.0001 dB under the user's, so
// that float rounding of r = ceiling / peak and of the gain can never carry a
// sample over the ceiling itself.
constexpr double kRoundingMargin = 0.99999;

// One-pole coefficient for time constant `ms`.
double one_pole(double ms, double rate) noexcept {
  return 1.0 - std::exp(-1.0 / (std::max(ms, 1e-3) * 1e-3 * rate));
}

}  // namespace

void TruePeakLimiter::prepare(double sample_rate, int channels, int max_block) {
  rate_ = sample_rate;
  channels_ = std::clamp(channels, 1, kMaxChannels);
  max_block_ = std::max(1, max_block);
  const int max_lookahead = lookahead_frames(kMaxLookaheadMs);
  history_size_ = max_lookahead + 1;
  delay_size_ = max_latency() + max_block_ + 1;
  channel_.clear();
  channel_.resize(static_cast<std::size_t>(channels_));
  for (Channel& ch : channel_) {
    ch.detector.prepare(sample_rate, max_block_);
    ch.detector.set_oversampling_enabled(true_peak_);
    ch.hold.prepare(max_lookahead + 1);
    ch.ramp1.prepare(max_lookahead + 1);
    ch.ramp2.prepare(max_lookahead + 1);
    ch.delay.assign(static_cast<std::size_t>(delay_size_), 0.0f);
    ch.gain.assign(static_cast<std::size_t>(max_block_), 1.0f);
    ch.history.assign(static_cast<std::size_t>(history_size_), 1.0f);
  }
  drive_gain_.assign(static_cast<std::size_t>(max_block_), 1.0f);
  ceiling_gain_.assign(static_cast<std::size_t>(max_block_), 1.0f);
  switch_gain_.assign(static_cast<std::size_t>(max_block_), 1.0f);
  lowest_.assign(static_cast<std::size_t>(max_block_), 1.0f);
  switch_frames_ = std::max(1, static_cast<int>(std::lround(kLookaheadSwitchMs * 1e-3 * rate_)));
  update_coefficients();
  reset();
}

void TruePeakLimiter::reset() noexcept {
  for (Channel& ch : channel_) {
    ch.detector.reset();
    std::fill(ch.delay.begin(), ch.delay.end(), 0.0f);
    std::fill(ch.history.begin(), ch.history.end(), 1.0f);
    ch.ramp1.fill(1.0);
    ch.ramp2.fill(1.0);
    ch.released = 1.0;
    ch.standing = 1.0;
    ch.min_gain = 1.0f;
  }
  history_pos_ = 0;
  delay_pos_ = 0;
  shared_ = false;
  drive_now_ = drive_target_ = db_to_gain(drive_db_);
  ceiling_now_ = ceiling_target_ = db_to_gain(ceiling_dbtp_) * kRoundingMargin;
  drive_left_ = ceiling_left_ = 0;
  switch_ = Switch::none;
  switch_left_ = 0;
  configure_lookahead(lookahead_frames(lookahead_ms_));
}

// ---------------------------------------------------------------- settings

void TruePeakLimiter::set_ceiling_dbtp(double ceiling_dbtp) noexcept {
  ceiling_dbtp = std::clamp(ceiling_dbtp, -20.0, 0.0);
  if (ceiling_dbtp == ceiling_dbtp_) return;
  ceiling_dbtp_ = ceiling_dbtp;
  ceiling_target_ = db_to_gain(ceiling_dbtp) * kRoundingMargin;
  ceiling_left_ = std::max(1, static_cast<int>(std::lround(kGlideMs * 1e-3 * rate_)));
  ceiling_step_ = (ceiling_target_ - ceiling_now_) / ceiling_left_;
}

void TruePeakLimiter::set_drive_db(double drive_db) noexcept {
  drive_db = std::clamp(drive_db, 0.0, 24.0);
  if (drive_db == drive_db_) return;
  drive_db_ = drive_db;
  drive_target_ = db_to_gain(drive_db);
  drive_left_ = std::max(1, static_cast<int>(std::lround(kGlideMs * 1e-3 * rate_)));
  drive_step_ = (drive_target_ - drive_now_) / drive_left_;
}

void TruePeakLimiter::set_lookahead_ms(double lookahead_ms) noexcept {
  lookahead_ms_ = std::clamp(lookahead_ms, kMinLookaheadMs, kMaxLookaheadMs);
}

void TruePeakLimiter::set_release_ms(double release_ms) noexcept {
  release_ms = std::clamp(release_ms, 1.0, 2000.0);
  if (release_ms == release_ms_) return;
  release_ms_ = release_ms;
  update_coefficients();
}

void TruePeakLimiter::set_link(double link) noexcept { link_ = std::clamp(link, 0.0, 1.0); }

void TruePeakLimiter::set_true_peak(bool on) noexcept {
  true_peak_ = on;
  for (Channel& ch : channel_) ch.detector.set_oversampling_enabled(on);
}

void TruePeakLimiter::update_coefficients() noexcept {
  release_coef_ = one_pole(release_ms_, rate_);
  fast_release_coef_ = one_pole(release_ms_ / 10.0, rate_);
  standing_coef_ = one_pole(release_ms_ * 10.0, rate_);
}

int TruePeakLimiter::lookahead_frames(double lookahead_ms) const noexcept {
  return std::max(1, static_cast<int>(std::lround(lookahead_ms * 1e-3 * rate_)));
}

int TruePeakLimiter::latency_for(double lookahead_ms) const noexcept {
  return TruePeakDetector::kDelay +
         lookahead_frames(std::clamp(lookahead_ms, kMinLookaheadMs, kMaxLookaheadMs));
}

int TruePeakLimiter::max_latency() const noexcept {
  return TruePeakDetector::kDelay + lookahead_frames(kMaxLookaheadMs);
}

double TruePeakLimiter::gain_reduction_db(int channel) const noexcept {
  float gain = 1.0f;
  if (channel >= 0 && channel < channels_) {
    gain = channel_[static_cast<std::size_t>(channel)].min_gain;
  } else {
    for (const Channel& ch : channel_) gain = std::min(gain, ch.min_gain);
  }
  return gain < 1.0f ? -20.0 * std::log10(std::max(double(gain), 1e-10)) : 0.0;
}

// A new lookahead S - 1 resizes the hold and the ramps. The hold is rebuilt
// from the r history, and the ramps restart full of a value no larger than any
// r in that history, so every sample still in the delay line stays covered.
void TruePeakLimiter::configure_lookahead(int frames) noexcept {
  active_lookahead_ = frames;
  for (Channel& ch : channel_) restart_envelope(ch, ch);
}

// Restarts `ch`'s hold from its r history and its ramps from a floor no
// higher than anything `covered` had to cover (its history, its ramps, its
// released gain) nor anything in `ch`'s own history.
void TruePeakLimiter::restart_envelope(Channel& ch, const Channel& covered) noexcept {
  const int support = active_lookahead_ + 1;  // S: hold window and ramp kernel length
  const int first = (support + 1) / 2;
  const int second = support + 1 - first;
  ch.hold.reset();
  ch.hold.set_window(support);
  for (int k = support; k >= 1; --k) {
    const int pos = ((history_pos_ - k) % history_size_ + history_size_) % history_size_;
    ch.hold.push(ch.history[static_cast<std::size_t>(pos)]);
  }
  float floor = static_cast<float>(std::min(ch.released, covered.released));
  for (float r : ch.history) floor = std::min(floor, r);
  for (float r : covered.history) floor = std::min(floor, r);
  floor = std::min(
      {floor, static_cast<float>(ch.ramp1.minimum()), static_cast<float>(ch.ramp2.minimum()),
       static_cast<float>(covered.ramp1.minimum()), static_cast<float>(covered.ramp2.minimum())});
  ch.ramp1.configure(first, floor);
  ch.ramp2.configure(second, floor);
  ch.released = floor;
  ch.standing = std::min({ch.standing, covered.standing, double(floor)});
}

// ---------------------------------------------------------------- audio

void TruePeakLimiter::process(float* const* audio, int frames) noexcept {
  frames = std::min(frames, max_block_);
  float* part[kMaxChannels];
  for (Channel& ch : channel_) ch.min_gain = 1.0f;
  for (int done = 0; done < frames;) {
    if (switch_ == Switch::none && lookahead_frames(lookahead_ms_) != active_lookahead_) {
      switch_ = Switch::fading_out;
      switch_left_ = switch_frames_;
    }
    int n = frames - done;
    if (switch_ != Switch::none) n = std::min(n, switch_left_);
    for (int c = 0; c < channels_; ++c) part[c] = audio[c] + done;
    process_part(part, n);
    done += n;
    if (switch_ == Switch::fading_out && switch_left_ == 0) {
      configure_lookahead(lookahead_frames(lookahead_ms_));
      switch_ = Switch::fading_in;
      switch_left_ = switch_frames_;
    } else if (switch_ == Switch::fading_in && switch_left_ == 0) {
      switch_ = Switch::none;
    }
  }
}

// Hold, release and ramp for one gain path: r in, g out (may alias); returns
// the smallest gain.
float TruePeakLimiter::envelope(Channel& ch, const float* r, float* g, int frames) noexcept {
  double released = ch.released;
  double standing = ch.standing;
  float min_gain = 1.0f;
  int hist = history_pos_;
  float* history = ch.history.data();
  for (int i = 0; i < frames; ++i) {
    const float required = r[i];
    history[hist] = required;
    hist = hist + 1 == history_size_ ? 0 : hist + 1;
    const double held = ch.hold.push(required);
    if (held <= released) {
      released = held;  // instant: the ramp after the hold does the attack
    } else if (auto_release_) {
      // Below the standing level (a short peak): fast; above it: slow.
      released += (held - released) * (released < standing ? fast_release_coef_ : release_coef_);
      standing += (released - standing) * standing_coef_;
    } else {
      released += (held - released) * release_coef_;
    }
    const float gain = static_cast<float>(ch.ramp2.push(ch.ramp1.push(released)));
    g[i] = gain;
    min_gain = std::min(min_gain, gain);
  }
  ch.released = released;
  ch.standing = standing;
  return min_gain;
}

void TruePeakLimiter::process_part(float* const* audio, int frames) noexcept {
  const int latency_frames = TruePeakDetector::kDelay + active_lookahead_;
  const bool switching = switch_ != Switch::none;
  if (switching) {
    // Raised-cosine fade, out then in, around a change of the delay.
    for (int i = 0; i < frames; ++i) {
      const double progress = double(switch_frames_ - switch_left_ + i + 1) / switch_frames_;
      const double in = 0.5 - 0.5 * std::cos(3.141592653589793 * progress);
      switch_gain_[static_cast<std::size_t>(i)] =
          static_cast<float>(switch_ == Switch::fading_in ? in : 1.0 - in);
    }
    switch_left_ -= frames;
  }

  // Gliding drive and ceiling, the same for every channel.
  float* drive = drive_gain_.data();
  float* ceiling = ceiling_gain_.data();
  if (drive_left_ > 0 || ceiling_left_ > 0) {
    for (int i = 0; i < frames; ++i) {
      if (drive_left_ > 0)
        drive_now_ = --drive_left_ == 0 ? drive_target_ : drive_now_ + drive_step_;
      if (ceiling_left_ > 0) {
        ceiling_now_ = --ceiling_left_ == 0 ? ceiling_target_ : ceiling_now_ + ceiling_step_;
      }
      drive[i] = static_cast<float>(drive_now_);
      ceiling[i] = static_cast<float>(ceiling_now_);
    }
  } else {
    std::fill(drive, drive + frames, static_cast<float>(drive_now_));
    std::fill(ceiling, ceiling + frames, static_cast<float>(ceiling_now_));
  }

  // Required gain r per sample: ceiling / estimated peak, at most 1 (exactly 1
  // when the peak is under the ceiling).
  for (int c = 0; c < channels_; ++c) {
    Channel& ch = channel_[static_cast<std::size_t>(c)];
    float* x = audio[c];
    for (int i = 0; i < frames; ++i) x[i] *= drive[i];
    float* r = ch.gain.data();
    ch.detector.process(x, r, frames);
    for (int i = 0; i < frames; ++i) r[i] = ceiling[i] / std::max(r[i], ceiling[i]);
  }

  // Link: each channel's r moves towards the lowest one (never above its own).
  // Fully linked, one gain path serves every channel.
  const bool shared = channels_ > 1 && link_ >= 1.0;
  if (!shared && shared_) {
    // Leaving the shared path: every channel continues from its state.
    for (std::size_t c = 1; c < channel_.size(); ++c) {
      Channel& ch = channel_[c];
      const Channel& first = channel_[0];
      ch.hold = first.hold;
      ch.ramp1 = first.ramp1;
      ch.ramp2 = first.ramp2;
      std::copy(first.history.begin(), first.history.end(), ch.history.begin());
      ch.released = first.released;
      ch.standing = first.standing;
    }
  }
  if (shared && !shared_) {
    // Entering the shared path: channel 0's state must cover every channel's
    // samples still in the delay lines, so it takes the lowest r history and
    // restarts from the lowest state of all.
    Channel& first = channel_[0];
    for (std::size_t c = 1; c < channel_.size(); ++c) {
      const Channel& other = channel_[c];
      for (std::size_t k = 0; k < first.history.size(); ++k) {
        first.history[k] = std::min(first.history[k], other.history[k]);
      }
    }
    for (std::size_t c = 1; c < channel_.size(); ++c) restart_envelope(first, channel_[c]);
  }
  shared_ = shared;
  float* lowest = lowest_.data();
  if (channels_ > 1 && link_ > 0.0) {
    std::copy(channel_[0].gain.begin(), channel_[0].gain.begin() + frames, lowest);
    for (std::size_t c = 1; c < channel_.size(); ++c) {
      const float* r = channel_[c].gain.data();
      for (int i = 0; i < frames; ++i) lowest[i] = std::min(lowest[i], r[i]);
    }
    if (!shared) {
      const float link = static_cast<float>(link_);
      for (Channel& ch : channel_) {
        float* r = ch.gain.data();
        for (int i = 0; i < frames; ++i) r[i] = std::min(r[i], r[i] + link * (lowest[i] - r[i]));
      }
    }
  }

  // Envelope, then the delayed audio times the gain.
  if (shared) {
    const float min_gain = envelope(channel_[0], lowest, lowest, frames);
    if (switching) {
      for (int i = 0; i < frames; ++i) lowest[i] *= switch_gain_[static_cast<std::size_t>(i)];
    }
    for (Channel& ch : channel_) ch.min_gain = std::min(ch.min_gain, min_gain);
  }
  for (int c = 0; c < channels_; ++c) {
    Channel& ch = channel_[static_cast<std::size_t>(c)];
    float* g = shared ? lowest : ch.gain.data();
    if (!shared) {
      ch.min_gain = std::min(ch.min_gain, envelope(ch, g, g, frames));
      if (switching) {
        for (int i = 0; i < frames; ++i) g[i] *= switch_gain_[static_cast<std::size_t>(i)];
      }
    }
    // The ring holds max latency + max block frames, so the whole block can go
    // in before any of it comes out.
    float* x = audio[c];
    float* line = ch.delay.data();
    const int first = std::min(frames, delay_size_ - delay_pos_);
    std::copy(x, x + first, line + delay_pos_);
    std::copy(x + first, x + frames, line);
    int read = delay_pos_ - latency_frames;
    if (read < 0) read += delay_size_;
    const int head = std::min(frames, delay_size_ - read);
    for (int i = 0; i < head; ++i) x[i] = line[read + i] * g[i];
    for (int i = head; i < frames; ++i) x[i] = line[i - head] * g[i];
  }
  history_pos_ = (history_pos_ + frames) % history_size_;
  delay_pos_ = (delay_pos_ + frames) % delay_size_;
}

}  // namespace lacquer::dsp
