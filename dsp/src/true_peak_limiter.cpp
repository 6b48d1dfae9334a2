#include <lacquer/dsp/true_peak_limiter.hpp>

#include <algorithm>
#include <cmath>

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
  delay_size_ = max_latency() + 1;
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
  const int support = frames + 1;  // S: hold window and ramp kernel length
  const int first = (support + 1) / 2;
  const int second = support + 1 - first;
  for (Channel& ch : channel_) {
    ch.hold.reset();
    ch.hold.set_window(support);
    float floor = static_cast<float>(ch.released);
    for (int k = support; k >= 1; --k) {
      const int pos = ((history_pos_ - k) % history_size_ + history_size_) % history_size_;
      ch.hold.push(ch.history[static_cast<std::size_t>(pos)]);
    }
    for (float r : ch.history) floor = std::min(floor, r);
    floor = std::min({floor, static_cast<float>(ch.ramp1.minimum()),
                      static_cast<float>(ch.ramp2.minimum())});
    ch.ramp1.configure(first, floor);
    ch.ramp2.configure(second, floor);
    ch.released = floor;
    ch.standing = std::min(ch.standing, double(floor));
  }
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
  for (int i = 0; i < frames; ++i) {
    if (drive_left_ > 0) {
      drive_now_ = --drive_left_ == 0 ? drive_target_ : drive_now_ + drive_step_;
    }
    if (ceiling_left_ > 0) {
      ceiling_now_ = --ceiling_left_ == 0 ? ceiling_target_ : ceiling_now_ + ceiling_step_;
    }
    drive_gain_[static_cast<std::size_t>(i)] = static_cast<float>(drive_now_);
    ceiling_gain_[static_cast<std::size_t>(i)] = static_cast<float>(ceiling_now_);
  }

  // Required gain r per sample: at most 1, and ceiling / estimated peak.
  const float* ceiling = ceiling_gain_.data();
  for (int c = 0; c < channels_; ++c) {
    Channel& ch = channel_[static_cast<std::size_t>(c)];
    float* x = audio[c];
    for (int i = 0; i < frames; ++i) x[i] *= drive_gain_[static_cast<std::size_t>(i)];
    float* r = ch.gain.data();
    ch.detector.process(x, r, frames);
    for (int i = 0; i < frames; ++i) r[i] = r[i] > ceiling[i] ? ceiling[i] / r[i] : 1.0f;
  }

  // Link: each channel's r moves towards the lowest one; never above its own.
  if (channels_ > 1 && link_ > 0.0) {
    const float link = static_cast<float>(link_);
    for (int i = 0; i < frames; ++i) {
      float lowest = 1.0f;
      for (const Channel& ch : channel_) lowest = std::min(lowest, ch.gain[static_cast<std::size_t>(i)]);
      for (Channel& ch : channel_) {
        float& r = ch.gain[static_cast<std::size_t>(i)];
        r = std::min(r, r + link * (lowest - r));
      }
    }
  }

  // Envelope: hold, release, ramp. Then the delayed audio times the gain.
  for (int c = 0; c < channels_; ++c) {
    Channel& ch = channel_[static_cast<std::size_t>(c)];
    float* g = ch.gain.data();
    double released = ch.released;
    double standing = ch.standing;
    float min_gain = 1.0f;
    int hist = history_pos_;
    for (int i = 0; i < frames; ++i) {
      const float r = g[i];
      ch.history[static_cast<std::size_t>(hist)] = r;
      hist = hist + 1 == history_size_ ? 0 : hist + 1;
      const double held = ch.hold.push(r);
      if (held <= released) {
        released = held;
      } else {
        const double coef = auto_release_ && released < standing ? fast_release_coef_ : release_coef_;
        released += (held - released) * coef;
      }
      if (auto_release_) standing += (released - standing) * standing_coef_;
      const float gain = static_cast<float>(ch.ramp2.push(ch.ramp1.push(released)));
      g[i] = gain;
      min_gain = std::min(min_gain, gain);
    }
    ch.released = released;
    ch.standing = standing;
    ch.min_gain = std::min(ch.min_gain, min_gain);
    if (switching) {
      for (int i = 0; i < frames; ++i) g[i] *= switch_gain_[static_cast<std::size_t>(i)];
    }

    float* x = audio[c];
    float* line = ch.delay.data();
    int write = delay_pos_;
    int read = write - latency_frames;
    if (read < 0) read += delay_size_;
    for (int i = 0; i < frames; ++i) {
      line[write] = x[i];
      x[i] = line[read] * g[i];
      write = write + 1 == delay_size_ ? 0 : write + 1;
      read = read + 1 == delay_size_ ? 0 : read + 1;
    }
  }
  history_pos_ = (history_pos_ + frames) % history_size_;
  delay_pos_ = (delay_pos_ + frames) % delay_size_;
}

}  // namespace lacquer::dsp
