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
class Crossover {
 public:
  static constexpr int kMaxBands = 5;
  static constexpr int kMaxSplits = kMaxBands - 1;

  // Non-realtime.
  void prepare(int channels, double sample_rate) {
    sample_rate_ = sample_rate;
    channels_.assign(static_cast<std::size_t>(std::max(channels, 0)), Channel{});
    configure(bands_, frequencies_, 0);
    reset();
  }

  // Also makes the next set_bands() take effect at once.
  void reset() noexcept {
    fresh_ = true;
    for (Channel& ch : channels_) {
      for (LinkwitzRiley4& s : ch.splits) s.reset();
      for (Biquad& a : ch.allpasses) a.reset();
    }
  }

  // `frequencies_hz` holds bands-1 split frequencies; they are sorted and kept
  // below Nyquist. Changing the band count restarts the filters; moving a
  // frequency ramps the coefficients over `ramp_frames`.
  void set_bands(int bands, std::span<const double> frequencies_hz, int ramp_frames = 0) noexcept {
    bands = std::clamp(bands, 2, kMaxBands);
    std::array<double, kMaxSplits> f{};
    const int splits = std::min<int>(bands - 1, static_cast<int>(frequencies_hz.size()));
    const double highest = 0.45 * sample_rate_;
    for (int k = 0; k < bands - 1; ++k) {
      const double wanted = k < splits ? frequencies_hz[static_cast<std::size_t>(k)] : highest;
      f[static_cast<std::size_t>(k)] = std::clamp(wanted, 1.0, highest);
    }
    std::sort(f.begin(), f.begin() + (bands - 1));
    if (fresh_) ramp_frames = 0;  // nothing playing yet: no glide from a stale design
    fresh_ = false;
    if (bands != bands_) {
      bands_ = bands;
      frequencies_ = f;
      configure(bands_, frequencies_, 0);
      reset();
      fresh_ = false;
      return;
    }
    if (f == frequencies_) return;
    frequencies_ = f;
    configure(bands_, frequencies_, ramp_frames);
  }

  int bands() const noexcept { return bands_; }
  double frequency(int split) const noexcept { return frequencies_[static_cast<std::size_t>(split)]; }

  // Splits one channel into bands() outputs. `in` may be any of `out`.
  void process(int channel, const float* in, float* const* out, int frames) noexcept {
    Channel& ch = channels_[static_cast<std::size_t>(channel)];
    const float* rest = in;
    for (int k = 0; k < bands_ - 1; ++k) {
      ch.splits[static_cast<std::size_t>(k)].split(rest, out[k], out[k + 1], frames);
      rest = out[k + 1];
      for (int j = k + 1; j < bands_ - 1; ++j) ch.allpass(k, j).process(out[k], frames);
    }
  }

 private:
  struct Channel {
    std::array<LinkwitzRiley4, kMaxSplits> splits{};
    // Compensation of band k for split j > k, at index k * kMaxSplits + j.
    std::array<Biquad, kMaxSplits * kMaxSplits> allpasses{};
    Biquad& allpass(int band, int split) noexcept {
      return allpasses[static_cast<std::size_t>(band * kMaxSplits + split)];
    }
  };

  void configure(int bands, const std::array<double, kMaxSplits>& f, int ramp_frames) noexcept {
    for (Channel& ch : channels_) {
      for (int j = 0; j < bands - 1; ++j) {
        const double fj = f[static_cast<std::size_t>(j)];
        ch.splits[static_cast<std::size_t>(j)].set_frequency(fj, sample_rate_, ramp_frames);
        const BiquadCoefficients ap = LinkwitzRiley4::allpass(fj, sample_rate_);
        for (int k = 0; k < j; ++k) {
          if (ramp_frames > 0) {
            ch.allpass(k, j).ramp_to(ap, ramp_frames);
          } else {
            ch.allpass(k, j).set(ap);
          }
        }
      }
    }
  }

  double sample_rate_ = 48000.0;
  bool fresh_ = true;
  int bands_ = 2;
  std::array<double, kMaxSplits> frequencies_{1000.0, 1000.0, 1000.0, 1000.0};
  std::vector<Channel> channels_;
};

}  // namespace lacquer::dsp
