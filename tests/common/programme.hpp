// A radio-like programme for testing loudness control: items of music-like,
// speech-like and tone material at loudnesses between -32 and -8 LUFS, some
// separated by pauses of 2-10 s that carry only a -80 LUFS noise floor.
// Deterministic for a given seed; each item is set to its loudness with
// libebur128 (an implementation independent of ours).
#pragma once

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "signals.hpp"

namespace lacquer::test {

struct ProgrammeSegment {
  enum class Kind { music, speech, tone, pause };
  Kind kind;
  std::size_t begin;  // frames
  std::size_t end;
  double lufs;  // loudness it was set to (the noise floor for a pause)
};

struct Programme {
  double rate = 48000.0;
  Planar audio;  // stereo
  std::vector<ProgrammeSegment> segments;
};

namespace programme_detail {

// Cheap white noise, uniform in [-1, 1) (xorshift32): the programme needs
// tens of millions of noise samples and their distribution does not matter.
class FastNoise {
 public:
  explicit FastNoise(std::uint32_t seed) : state_(seed | 1u) {}
  float operator()() noexcept {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return static_cast<float>(static_cast<double>(state_) * (2.0 / 4294967296.0) - 1.0);
  }

 private:
  std::uint32_t state_;
};

// Real programme is band-limited by the converters' anti-alias filters; the
// naive sawtooth and the hiss here are not. A 4th-order Butterworth low-pass
// at 0.35 fs (two RBJ biquads, bilinear) leaves them at least 35 dB down above
// 0.45 fs, like recorded material.
inline void band_limit(std::vector<float>& x) {
  const double w0 = 2.0 * std::numbers::pi * 0.35;
  for (double q : {0.5411961, 1.3065630}) {  // Butterworth pole pairs, 4th order
    const double alpha = std::sin(w0) / (2.0 * q), cw = std::cos(w0);
    const double a0 = 1.0 + alpha;
    const double b0 = (1.0 - cw) / 2.0 / a0, b1 = (1.0 - cw) / a0, b2 = b0;
    const double a1 = -2.0 * cw / a0, a2 = (1.0 - alpha) / a0;
    double s1 = 0.0, s2 = 0.0;  // transposed direct form II
    for (auto& v : x) {
      const double in = v, out = b0 * in + s1;
      s1 = b1 * in - a1 * out + s2;
      s2 = b2 * in - a2 * out;
      v = static_cast<float>(out);
    }
  }
}

// Integrated loudness of a stereo signal, BS.1770 via libebur128.
inline double integrated_lufs(const std::vector<float>& left, const std::vector<float>& right,
                              double rate) {
  ebur128_state* st = ebur128_init(2, static_cast<unsigned long>(rate), EBUR128_MODE_I);
  if (st == nullptr) throw std::runtime_error("ebur128_init");
  std::vector<float> interleaved(2 * left.size());
  for (std::size_t i = 0; i < left.size(); ++i) {
    interleaved[2 * i] = left[i];
    interleaved[2 * i + 1] = right[i];
  }
  ebur128_add_frames_float(st, interleaved.data(), left.size());
  double lufs = -HUGE_VAL;
  ebur128_loudness_global(st, &lufs);
  ebur128_destroy(&st);
  return lufs;
}

inline void set_loudness(std::vector<float>& left, std::vector<float>& right, double rate,
                         double lufs) {
  const double gain = db_to_linear(lufs - integrated_lufs(left, right, rate));
  for (auto& x : left) x = static_cast<float>(x * gain);
  for (auto& x : right) x = static_cast<float>(x * gain);
}

// Chords of three sawtooth-like voices changing every bar, a kick/snare
// pattern of decaying noise bursts at 120 bpm, and a slow +-1.5 dB swell.
inline void music(double rate, std::size_t frames, std::mt19937& rng, std::vector<float>& left,
                  std::vector<float>& right) {
  std::uniform_int_distribution<int> semitone(-12, 12);
  FastNoise noise(static_cast<std::uint32_t>(rng()));
  const std::size_t bar = static_cast<std::size_t>(2.0 * rate);
  const std::size_t beat = static_cast<std::size_t>(0.5 * rate);
  const double burst_decay = std::exp(-1.0 / (0.08 * rate));
  double phase[3] = {0, 0, 0};
  double freq[3] = {220, 277, 330};
  double burst = 0.0, lp_left = 0.0, lp_right = 0.0, voices_lp = 0.0;
  const double tau = 2.0 * std::numbers::pi;
  for (std::size_t i = 0; i < frames; ++i) {
    if (i % bar == 0) {
      const double root = 220.0 * std::pow(2.0, semitone(rng) / 12.0);
      freq[0] = root;
      freq[1] = root * 1.26;  // major third
      freq[2] = root * 1.5;   // fifth
    }
    if (i % beat == 0) burst = (i / beat) % 2 == 0 ? 1.0 : 0.7;
    double voices = 0.0;
    for (int v = 0; v < 3; ++v) {
      phase[v] += freq[v] / rate;
      phase[v] -= std::floor(phase[v]);
      voices += 2.0 * phase[v] - 1.0;
    }
    voices_lp += 0.2 * (voices - voices_lp);  // soften the sawtooth
    burst *= burst_decay;
    lp_left += 0.3 * (noise() - lp_left);
    lp_right += 0.3 * (noise() - lp_right);
    const double swell = db_to_linear(1.5 * std::sin(tau * 0.05 * double(i) / rate));
    left[i] = static_cast<float>(swell * (0.15 * voices_lp + 0.5 * burst * lp_left));
    right[i] = static_cast<float>(swell * (0.15 * voices_lp + 0.5 * burst * lp_right));
  }
}

// Syllables (120-280 ms, a voiced buzz at 100-220 Hz plus some hiss under a
// sin^2 envelope) grouped in words, with pauses between words and longer ones
// between sentences, at a noise floor 60 dB down.
inline void speech(double rate, std::size_t frames, std::mt19937& rng, std::vector<float>& out) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  FastNoise noise(static_cast<std::uint32_t>(rng()));
  const double floor_amp = db_to_linear(-60.0);
  std::size_t i = 0;
  double phase = 0.0, lp = 0.0;
  const double f0 = 100.0 + 120.0 * uniform(rng);
  int words_left = 0;
  while (i < frames) {
    if (words_left == 0) words_left = 6 + int(uniform(rng) * 5.0);
    const int syllables = 1 + int(uniform(rng) * 4.0);
    for (int s = 0; s < syllables && i < frames; ++s) {
      const std::size_t len = std::size_t((0.12 + 0.16 * uniform(rng)) * rate);
      const double pitch = f0 * (0.9 + 0.2 * uniform(rng));
      const double hiss = 0.1 + 0.3 * uniform(rng);
      for (std::size_t k = 0; k < len && i < frames; ++k, ++i) {
        const double env = std::sin(std::numbers::pi * double(k) / double(len));
        phase += pitch / rate;
        phase -= std::floor(phase);
        lp += 0.25 * ((2.0 * phase - 1.0) - lp);
        out[i] = static_cast<float>(env * env * (lp + hiss * noise()) + floor_amp * noise());
      }
    }
    --words_left;
    const double pause_s = words_left == 0 ? 0.6 + 0.6 * uniform(rng) : 0.1 + 0.3 * uniform(rng);
    for (std::size_t k = 0; k < std::size_t(pause_s * rate) && i < frames; ++k, ++i) {
      out[i] = static_cast<float>(floor_amp * noise());
    }
  }
}

}  // namespace programme_detail

// The programme as an endless stream, one item (and the pause after it, if
// any) at a time, so hours of it never have to be held in memory.
class ProgrammeGenerator {
 public:
  ProgrammeGenerator(double rate, std::uint32_t seed) : rate_(rate), rng_(seed) {
    // A -80 LUFS noise floor for the pauses. Set at -20 LUFS, then lowered by
    // 60 dB: BS.1770's -70 LUFS absolute gate would hide it from the meter.
    floor_left_ = white_noise(std::size_t(rate * 10), -20.0, seed + 1);
    floor_right_ = white_noise(std::size_t(rate * 10), -20.0, seed + 2);
    programme_detail::set_loudness(floor_left_, floor_right_, rate, -20.0);
    for (auto& x : floor_left_) x *= 0.001f;
    for (auto& x : floor_right_) x *= 0.001f;
  }

  // Appends the next item, and the pause after it if there is one, to the
  // stereo `out` and their segments to `segments`: at most `max_frames`
  // frames in all. Segment positions count from the start of the stream.
  void next(std::size_t max_frames, Planar& out, std::vector<ProgrammeSegment>& segments) {
    using namespace programme_detail;
    using Kind = ProgrammeSegment::Kind;
    out.resize(2);
    // Items of 15-60 s; the loudest and the quietest level come early so a
    // short programme has them too.
    double lufs = -32.0 + 24.0 * uniform_(rng_);
    if (item_ == 1) lufs = -8.0;
    if (item_ == 3) lufs = -32.0;
    const Kind kind = item_ % 3 == 0 ? Kind::music : item_ % 3 == 1 ? Kind::speech : Kind::tone;
    const std::size_t frames =
        std::min(max_frames, std::size_t((15.0 + 45.0 * uniform_(rng_)) * rate_));
    std::vector<float> left(frames), right(frames);
    if (kind == Kind::music) {
      music(rate_, frames, rng_, left, right);
    } else if (kind == Kind::speech) {
      speech(rate_, frames, rng_, left);
      right = left;
    } else {
      const double freqs[] = {100.0, 440.0, 1000.0, 3150.0};
      left = sine(rate_, freqs[int(uniform_(rng_) * 4.0)], -20.0, frames);
      right = left;
    }
    band_limit(left);
    band_limit(right);
    set_loudness(left, right, rate_, lufs);
    append(out[0], left);
    append(out[1], right);
    segments.push_back({kind, position_, position_ + frames, lufs});
    position_ += frames;
    ++item_;

    // Half the items are followed by a pause of 2-10 s.
    if (uniform_(rng_) < 0.5 && frames < max_frames) {
      const std::size_t pause = std::min({max_frames - frames,
                                          std::size_t((2.0 + 8.0 * uniform_(rng_)) * rate_),
                                          floor_left_.size()});
      out[0].insert(out[0].end(), floor_left_.begin(), floor_left_.begin() + long(pause));
      out[1].insert(out[1].end(), floor_right_.begin(), floor_right_.begin() + long(pause));
      segments.push_back({Kind::pause, position_, position_ + pause, -80.0});
      position_ += pause;
    }
  }

  // Frames generated so far.
  std::size_t position() const noexcept { return position_; }

 private:
  double rate_;
  std::mt19937 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  std::vector<float> floor_left_, floor_right_;
  int item_ = 0;
  std::size_t position_ = 0;
};

// `minutes` of programme at `rate`, stereo.
inline Programme make_programme(double rate, double minutes, std::uint32_t seed = 9) {
  Programme p;
  p.rate = rate;
  p.audio.assign(2, {});
  const auto total = static_cast<std::size_t>(minutes * 60.0 * rate);
  ProgrammeGenerator generator(rate, seed);
  while (generator.position() < total) {
    generator.next(total - generator.position(), p.audio, p.segments);
  }
  return p;
}

}  // namespace lacquer::test
