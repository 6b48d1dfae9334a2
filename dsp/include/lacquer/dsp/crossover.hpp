// Linkwitz–Riley 4th-order crossovers: a single two-way split and an N-band
// network whose bands sum to an allpass.
//
// An LR4 split is two cascaded 2nd-order Butterworth sections per side
// (Linkwitz, "Active crossover networks for noncoincident drivers", JAES 1976).
// Its low and high outputs are in phase at every frequency and add up to the
// 2nd-order allpass A(z) with the same poles: with D(s) = s² + √2ωs + ω²,
// LP² + HP² = (ω⁴ + s⁴) / D(s)² = D(-s) / D(s). The bilinear transform keeps
// that identity, so it holds for the digital sections too.
//
// An N-band network splits the remainder again and again (low band first).
// Splitting the high side at f_{k+1} turns it into A_{k+1}·high, so every band
// below that split gets the same allpass A_{k+1} to stay in phase with it; then
// the bands sum to A_1·A_2·…·A_{N-1}·x, an allpass (D'Appolito, "Testing
// Loudspeakers", 1998; the "classic" crossover of multiband dynamics).
//
// Coefficients and state are double (see biquad.hpp): a 20 Hz section has
// |D(e^jω)| near 1e-5, where float coefficient rounding alone would move the
// band sum off flat by a tenth of a dB.
#pragma once

#include <lacquer/dsp/biquad.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <span>
#include <vector>

namespace lacquer::dsp {

class LinkwitzRiley4 {
 public:
  // Butterworth (Q = 1/√2) 2nd-order sections, bilinear transform with the
  // cutoff prewarped (Bristow-Johnson, "Audio EQ Cookbook").
  static BiquadCoefficients butterworth_lowpass(double frequency_hz, double sample_rate) noexcept {
    const Terms t = terms(frequency_hz, sample_rate);
    const double b = t.one_minus_cos * 0.5 / t.a0;
    return {b, 2.0 * b, b, t.a1, t.a2};
  }
  static BiquadCoefficients butterworth_highpass(double frequency_hz, double sample_rate) noexcept {
    const Terms t = terms(frequency_hz, sample_rate);
    const double b = (2.0 - t.one_minus_cos) * 0.5 / t.a0;
    return {b, -2.0 * b, b, t.a1, t.a2};
  }
  // LP² + HP² of the LR4 pair at this frequency: numerator = reversed denominator.
  static BiquadCoefficients allpass(double frequency_hz, double sample_rate) noexcept {
    const Terms t = terms(frequency_hz, sample_rate);
    return {t.a2, t.a1, 1.0, t.a1, t.a2};
  }

  // Takes effect over `ramp_frames` (0: at once).
  void set_frequency(double frequency_hz, double sample_rate, int ramp_frames = 0) noexcept {
    const BiquadCoefficients lp = butterworth_lowpass(frequency_hz, sample_rate);
    const BiquadCoefficients hp = butterworth_highpass(frequency_hz, sample_rate);
    for (Biquad* s : {&lowpass_[0], &lowpass_[1]}) apply(*s, lp, ramp_frames);
    for (Biquad* s : {&highpass_[0], &highpass_[1]}) apply(*s, hp, ramp_frames);
  }

  void reset() noexcept {
    for (Biquad& s : lowpass_) s.reset();
    for (Biquad& s : highpass_) s.reset();
  }

  // `in` may be the same buffer as `low` or `high`.
  void split(const float* in, float* low, float* high, int frames) noexcept {
    if (high != in) std::copy_n(in, frames, high);
    if (low != in) std::copy_n(in, frames, low);
    lowpass_[0].process(low, frames);
    lowpass_[1].process(low, frames);
    highpass_[0].process(high, frames);
    highpass_[1].process(high, frames);
  }

 private:
  struct Terms {
    double one_minus_cos, a0, a1, a2;
  };
  static Terms terms(double frequency_hz, double sample_rate) noexcept {
    const double w = 2.0 * std::numbers::pi * frequency_hz / sample_rate;
    const double alpha = std::sin(w) / std::numbers::sqrt2;  // sin w / (2Q), Q = 1/√2
    const double half_sin = std::sin(0.5 * w);
    const double one_minus_cos = 2.0 * half_sin * half_sin;  // exact where cos w ≈ 1
    const double a0 = 1.0 + alpha;
    return {one_minus_cos, a0, -2.0 * (1.0 - one_minus_cos) / a0, (1.0 - alpha) / a0};
  }
  static void apply(Biquad& section, const BiquadCoefficients& c, int ramp_frames) noexcept {
    if (ramp_frames > 0) {
      section.ramp_to(c, ramp_frames);
    } else {
      section.set(c);
    }
  }

  std::array<Biquad, 2> lowpass_{};
  std::array<Biquad, 2> highpass_{};
};

// 2 to kMaxBands bands, each channel with its own state. Band 0 is the lowest.
//
// Speed: a TDF-II section is bound by the latency of its recursion (a
// multiply and two adds per sample), not by arithmetic. So each split runs
// its four LR4 sections and the low band's compensation allpasses in one
// loop over the samples: the independent recursions overlap in the
// pipeline. Moving frequencies ramp the coefficients linearly in steps of
// kRampChunk frames counted from the start of the ramp, so the result does
// not depend on how the caller splits the audio into blocks.
class Crossover {
 public:
  static constexpr int kMaxBands = 5;
  static constexpr int kMaxSplits = kMaxBands - 1;
  static constexpr int kRampChunk = 32;

  // Non-realtime.
  void prepare(int channels, double sample_rate) {
    sample_rate_ = sample_rate;
    channels_.assign(static_cast<std::size_t>(std::max(channels, 0)), Channel{});
    design(frequencies_, current_);
    target_ = start_ = current_;
    ramp_frames_ = 0;
    reset();
  }

  // Also makes the next set_bands() take effect at once.
  void reset() noexcept {
    fresh_ = true;
    for (Channel& ch : channels_) ch = Channel{.ramp_position = ch.ramp_position};
  }

  // `frequencies_hz` holds bands-1 split frequencies; they are sorted and kept
  // below Nyquist. Changing the band count restarts the filters; moving a
  // frequency ramps the coefficients over `ramp_frames`.
  void set_bands(int bands, std::span<const double> frequencies_hz, int ramp_frames = 0) noexcept {
    bands = std::clamp(bands, 2, kMaxBands);
    const std::array<double, kMaxSplits> f = split_frequencies(bands, frequencies_hz, 1.0, 0.45 * sample_rate_);
    if (fresh_) ramp_frames = 0;  // nothing playing yet: no glide from a stale design
    fresh_ = false;
    if (bands != bands_) {
      bands_ = bands;
      frequencies_ = f;
      design(frequencies_, current_);
      target_ = start_ = current_;
      ramp_frames_ = 0;
      reset();
      fresh_ = false;
      return;
    }
    if (f == frequencies_) return;
    frequencies_ = f;
    // Start from where channel 0 is now (every channel is at the same point
    // between blocks).
    if (ramp_frames_ > 0 && !channels_.empty()) {
      interpolate(start_, target_, ramp_fraction(channels_.front().ramp_position), current_);
    }
    design(frequencies_, target_);
    if (ramp_frames <= 0) {
      current_ = start_ = target_;
      ramp_frames_ = 0;
      return;
    }
    start_ = current_;
    ramp_frames_ = ramp_frames;
    for (Channel& ch : channels_) ch.ramp_position = 0;
  }

  int bands() const noexcept { return bands_; }
  double frequency(int split) const noexcept { return frequencies_[static_cast<std::size_t>(split)]; }

  // The first bands-1 of `wanted` (missing ones at `highest`), each clamped to
  // [lowest, highest], in ascending order; the rest 0.
  static std::array<double, kMaxSplits> split_frequencies(int bands, std::span<const double> wanted,
                                                          double lowest, double highest) noexcept {
    std::array<double, kMaxSplits> f{};
    const int count = std::clamp(bands - 1, 0, kMaxSplits);
    for (int k = 0; k < count; ++k) {
      double value = k < static_cast<int>(wanted.size()) ? wanted[static_cast<std::size_t>(k)] : highest;
      value = std::clamp(value, lowest, highest);
      int m = k;  // insertion sort: four values at most
      for (; m > 0 && f[static_cast<std::size_t>(m - 1)] > value; --m) {
        f[static_cast<std::size_t>(m)] = f[static_cast<std::size_t>(m - 1)];
      }
      f[static_cast<std::size_t>(m)] = value;
    }
    return f;
  }

  // Splits one channel into bands() outputs. `in` may be any of `out`.
  void process(int channel, const float* in, float* const* out, int frames) noexcept {
    Channel& ch = channels_[static_cast<std::size_t>(channel)];
    for (int done = 0; done < frames;) {
      int n = frames - done;
      const Designs* c = &target_;
      Designs ramped;
      if (ramp_frames_ > 0 && ch.ramp_position < ramp_frames_) {
        // One chunk at the coefficients of its end point.
        n = std::min(n, kRampChunk - ch.ramp_position % kRampChunk);
        interpolate(start_, target_, ramp_fraction(ch.ramp_position + n), ramped);
        c = &ramped;
        ch.ramp_position += n;
      }
      const float* rest = in + done;
      float* chunk_out[kMaxBands];
      for (int b = 0; b < bands_; ++b) chunk_out[b] = out[b] + done;
      for (int k = 0; k < bands_ - 1; ++k) {
        run_split(*c, ch, k, rest, chunk_out[k], chunk_out[k + 1], n);
        rest = chunk_out[k + 1];
      }
      done += n;
    }
  }

 private:
  struct State {
    double s1 = 0.0, s2 = 0.0;
  };
  struct Channel {
    std::array<State, kMaxSplits> lowpass1{}, lowpass2{}, highpass1{}, highpass2{};
    // Compensation of band k for split j > k, at index k * kMaxSplits + j.
    std::array<State, kMaxSplits * kMaxSplits> allpass{};
    int ramp_position = 0;
  };
  struct Designs {
    std::array<BiquadCoefficients, kMaxSplits> lowpass{}, highpass{}, allpass{};
  };

  static double tick(const BiquadCoefficients& c, State& s, double x) noexcept {
    const double y = c.b0 * x + s.s1;
    s.s1 = c.b1 * x - c.a1 * y + s.s2;
    s.s2 = c.b2 * x - c.a2 * y;
    return y;
  }

  // Split k: low -> band k (through the allpasses of the splits above it),
  // high -> the rest. States live in locals for the loop. Kept out of line:
  // one call per split and block costs nothing, and callers' partly filled
  // scratch arrays stay opaque to the optimiser's uninitialised-use analysis.
  [[gnu::noinline]] void run_split(const Designs& c, Channel& ch, int k, const float* in, float* low, float* high,
                 int frames) const noexcept {
    const auto j = static_cast<std::size_t>(k);
    const BiquadCoefficients lp = c.lowpass[j], hp = c.highpass[j];
    State l1 = ch.lowpass1[j], l2 = ch.lowpass2[j], h1 = ch.highpass1[j], h2 = ch.highpass2[j];
    const int aps = bands_ - 2 - k;  // splits above this one
    std::array<BiquadCoefficients, kMaxSplits> ap{};
    std::array<State, kMaxSplits> a{};
    for (int m = 0; m < aps; ++m) {
      ap[static_cast<std::size_t>(m)] = c.allpass[static_cast<std::size_t>(k + 1 + m)];
      a[static_cast<std::size_t>(m)] = ch.allpass[static_cast<std::size_t>(k * kMaxSplits + k + 1 + m)];
    }
    for (int i = 0; i < frames; ++i) {
      const double x = in[i];
      double lo = tick(lp, l2, tick(lp, l1, x));
      const double hi = tick(hp, h2, tick(hp, h1, x));
      for (int m = 0; m < aps; ++m) lo = tick(ap[static_cast<std::size_t>(m)], a[static_cast<std::size_t>(m)], lo);
      low[i] = static_cast<float>(lo);
      high[i] = static_cast<float>(hi);
    }
    ch.lowpass1[j] = l1;
    ch.lowpass2[j] = l2;
    ch.highpass1[j] = h1;
    ch.highpass2[j] = h2;
    for (int m = 0; m < aps; ++m) {
      ch.allpass[static_cast<std::size_t>(k * kMaxSplits + k + 1 + m)] = a[static_cast<std::size_t>(m)];
    }
  }

  void design(const std::array<double, kMaxSplits>& f, Designs& d) const noexcept {
    for (std::size_t j = 0; j < kMaxSplits; ++j) {
      d.lowpass[j] = LinkwitzRiley4::butterworth_lowpass(f[j], sample_rate_);
      d.highpass[j] = LinkwitzRiley4::butterworth_highpass(f[j], sample_rate_);
      d.allpass[j] = LinkwitzRiley4::allpass(f[j], sample_rate_);
    }
  }

  double ramp_fraction(int position) const noexcept {
    return ramp_frames_ > 0 ? std::min(1.0, double(position) / ramp_frames_) : 1.0;
  }

  // Straight lines between two stable sections stay stable (biquad.hpp).
  static void interpolate(const Designs& from, const Designs& to, double t, Designs& out) noexcept {
    auto lerp = [t](const BiquadCoefficients& a, const BiquadCoefficients& b) {
      return BiquadCoefficients{a.b0 + t * (b.b0 - a.b0), a.b1 + t * (b.b1 - a.b1), a.b2 + t * (b.b2 - a.b2),
                                a.a1 + t * (b.a1 - a.a1), a.a2 + t * (b.a2 - a.a2)};
    };
    for (std::size_t j = 0; j < kMaxSplits; ++j) {
      out.lowpass[j] = lerp(from.lowpass[j], to.lowpass[j]);
      out.highpass[j] = lerp(from.highpass[j], to.highpass[j]);
      out.allpass[j] = lerp(from.allpass[j], to.allpass[j]);
    }
  }

  double sample_rate_ = 48000.0;
  bool fresh_ = true;
  int bands_ = 2;
  std::array<double, kMaxSplits> frequencies_{1000.0, 1000.0, 1000.0, 1000.0};
  Designs start_{}, target_{}, current_{};
  int ramp_frames_ = 0;
  std::vector<Channel> channels_;
};

}  // namespace lacquer::dsp
