// Linkwitz–Riley 8th-order split: two cascaded 4th-order Butterworth filters
// per side, 48 dB/octave.
//
// Where a 24 dB/octave LR4 (crossover.hpp) leaves the other side only 24.6 dB
// down one octave from the split, LR8 reaches 1/(1 + 2^8) = -48.2 dB, which is
// what removing the side signal below a bass-mono frequency needs.
//
// As for LR4, low and high add up to an allpass: with B(s) the 4th-order
// Butterworth denominator, LP² + HP² = (1 + s⁸) / B(s)² = B(-s) / B(s)
// (because B(s)·B(-s) = 1 + s⁸), i.e. one 2nd-order allpass per Butterworth
// section. The bilinear transform keeps the identity for the digital sections.
#pragma once

#include <lacquer/dsp/biquad.hpp>

#include <array>
#include <cmath>
#include <numbers>

namespace lacquer::dsp {

class LinkwitzRiley8 {
 public:
  static constexpr int kSections = 2;  // 2nd-order sections per 4th-order Butterworth

  // Q of Butterworth section k of order 4: 1 / (2 cos((2k + 1) π / 8)).
  static double section_q(int section) noexcept {
    return 0.5 / std::cos((2.0 * section + 1.0) * std::numbers::pi / 8.0);
  }

  // Bilinear transform with the cutoff prewarped (Bristow-Johnson, "Audio EQ
  // Cookbook"); every section shares the same prewarp, so the identity holds.
  static BiquadCoefficients lowpass(double frequency_hz, double sample_rate, int section) noexcept {
    const Terms t = terms(frequency_hz, sample_rate, section);
    const double b = t.one_minus_cos * 0.5 / t.a0;
    return {b, 2.0 * b, b, t.a1, t.a2};
  }
  static BiquadCoefficients highpass(double frequency_hz, double sample_rate,
                                     int section) noexcept {
    const Terms t = terms(frequency_hz, sample_rate, section);
    const double b = (2.0 - t.one_minus_cos) * 0.5 / t.a0;
    return {b, -2.0 * b, b, t.a1, t.a2};
  }
  // Section `section` of LP² + HP²: numerator = reversed denominator.
  static BiquadCoefficients allpass(double frequency_hz, double sample_rate, int section) noexcept {
    const Terms t = terms(frequency_hz, sample_rate, section);
    return {t.a2, t.a1, 1.0, t.a1, t.a2};
  }

  // Takes effect over `ramp_frames` (0: at once).
  void set_frequency(double frequency_hz, double sample_rate, int ramp_frames = 0) noexcept {
    for (int k = 0; k < kSections; ++k) {
      const BiquadCoefficients lp = lowpass(frequency_hz, sample_rate, k);
      const BiquadCoefficients hp = highpass(frequency_hz, sample_rate, k);
      const BiquadCoefficients ap = allpass(frequency_hz, sample_rate, k);
      for (int pass = 0; pass < 2; ++pass) {
        apply(lowpass_[index(pass, k)], lp, ramp_frames);
        apply(highpass_[index(pass, k)], hp, ramp_frames);
      }
      apply(allpass_[static_cast<std::size_t>(k)], ap, ramp_frames);
    }
  }

  void reset() noexcept {
    for (Biquad& s : lowpass_) s.reset();
    for (Biquad& s : highpass_) s.reset();
    for (Biquad& s : allpass_) s.reset();
  }

  // The low side, in place.
  void process_low(float* audio, int frames) noexcept {
    for (Biquad& s : lowpass_) s.process(audio, frames);
  }
  // The high side, in place.
  void process_high(float* audio, int frames) noexcept {
    for (Biquad& s : highpass_) s.process(audio, frames);
  }
  // What low + high would be, in place: the path for a signal that must stay
  // in phase with a split one. Its state is separate from the two sides'.
  void process_allpass(float* audio, int frames) noexcept {
    for (Biquad& s : allpass_) s.process(audio, frames);
  }

 private:
  struct Terms {
    double one_minus_cos, a0, a1, a2;
  };
  static Terms terms(double frequency_hz, double sample_rate, int section) noexcept {
    const double w = 2.0 * std::numbers::pi * frequency_hz / sample_rate;
    const double alpha = std::sin(w) * 0.5 / section_q(section);
    const double half_sin = std::sin(0.5 * w);
    const double one_minus_cos = 2.0 * half_sin * half_sin;  // exact where cos w ≈ 1
    const double a0 = 1.0 + alpha;
    return {one_minus_cos, a0, -2.0 * (1.0 - one_minus_cos) / a0, (1.0 - alpha) / a0};
  }
  static std::size_t index(int pass, int section) noexcept {
    return static_cast<std::size_t>(pass * kSections + section);
  }
  static void apply(Biquad& section, const BiquadCoefficients& c, int ramp_frames) noexcept {
    if (ramp_frames > 0) {
      section.ramp_to(c, ramp_frames);
    } else {
      section.set(c);
    }
  }

  std::array<Biquad, 2 * kSections> lowpass_{};
  std::array<Biquad, 2 * kSections> highpass_{};
  std::array<Biquad, kSections> allpass_{};
};

}  // namespace lacquer::dsp
