// Mastering EQ band shapes: each one an analog prototype (the reference the
// knobs describe) and its minimum-phase digital design.
//
// The digital sections avoid the "cramping" of the plain bilinear transform
// near Nyquist by matching magnitudes instead of mapping frequencies
// (Orfanidis, "Digital parametric equalizer design with prescribed
// Nyquist-frequency gain", JAES 45(6), 1997; Vicanek, "Matched second order
// digital filters", 2016). Every second-order section is written as the
// bilinear transform (unit prewarp, Omega = tan(w/2)) of
//
//     H(s) = (G1 s^2 + B s + G0 V) / (s^2 + A s + V),
//
// with DC gain G0 and Nyquist gain G1; any V, A, B, G1 > 0 gives a stable,
// minimum-phase section. Its squared magnitude is
//
//     |H|^2 = ((G0 V - G1 u)^2 + B^2 u) / ((V - u)^2 + A^2 u),   u = tan^2(w/2),
//
// so a design is four positive numbers. Two designs are used:
// - closed form (while a control moves): DC and Nyquist take the analog
//   gains and the magnitude is matched exactly at three frequencies (bells:
//   peak value, zero slope at the peak and the lower half-gain edge, as in
//   Orfanidis' design but with the analog edge);
// - refined (once the controls rest): starting from the closed form, V, A, B
//   and G1 are moved to minimise the largest dB error from 20 Hz to 20 kHz
//   (Nelder-Mead on their logarithms). The Nyquist gain is free because only
//   the audio band is held to the prototype. A bell or shelf that one section
//   still misses by more than 0.05 dB -- a skirt that reaches past Nyquist,
//   which one section's rational function of tan^2(w/2) cannot follow -- gets
//   two sections in the same form, fitted together (Levenberg-Marquardt on
//   ln |H|^2, then Lawson's reweighting towards the smallest largest error).
//   Every bell (Q 0.3 ... 4) and shelf (Q 0.5 ... 2) up to +-24 dB,
//   centred 20 Hz ... 20 kHz, at 44.1, 48 and 96 kHz, then stays within
//   0.06 dB of its prototype from 20 Hz to 20 kHz (tests/dsp/test_eq.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <lacquer/dsp/biquad.hpp>

namespace lacquer::dsp {

enum class EqBandType : std::uint8_t { bell, low_shelf, high_shelf, low_cut, high_cut, tilt };

struct EqBandShape {
  EqBandType type = EqBandType::bell;
  double freq_hz = 1000.0;
  double gain_db = 0.0;  // bell, shelves, tilt (tilt: level above the pivot; below gets -gain)
  double q = 0.7071;     // bell and shelves
  int slope_db_per_octave = 12;  // cuts: 6 ... 48 in steps of 6 (Butterworth of order slope/6)
};

// Highest band frequency at a rate: a little below Nyquist, where a section
// can still be matched.
double max_band_frequency(double rate) noexcept;

// True when the band is an identity (a bell, shelf or tilt at 0 dB).
bool is_neutral(const EqBandShape& band) noexcept;

// One section of an analog prototype, s normalised to the band's angular
// frequency w0 (radians per sample, so "analog" responses can be read at
// digital frequencies). First-order sections have n2 = d2 = 0.
struct AnalogSection {
  double n2 = 0.0, n1 = 0.0, n0 = 1.0;
  double d2 = 0.0, d1 = 0.0, d0 = 1.0;
  double w0 = 1.0;
  bool first_order() const noexcept { return n2 == 0.0 && d2 == 0.0; }
  // |H(j w)|^2 at w radians per sample.
  double magnitude2(double w) const noexcept;
};

inline constexpr int kMaxEqSections = 4;  // 48 dB/oct = Butterworth order 8

struct AnalogPrototype {
  std::array<AnalogSection, kMaxEqSections> sections{};
  int count = 0;
  double magnitude2(double w) const noexcept;
};

struct EqSections {
  std::array<BiquadCoefficients, kMaxEqSections> sections{};
  int count = 0;
};

// The prototype at `rate` (frequency clamped to max_band_frequency).
AnalogPrototype analog_prototype(const EqBandShape& band, double rate) noexcept;
// |H(j 2 pi f)| of the prototype, linear.
double analog_magnitude(const EqBandShape& band, double rate, double freq_hz) noexcept;

// Closed-form matched design: cheap, used while controls move.
EqSections design_matched(const EqBandShape& band, double rate) noexcept;
// Minimax-refined design, used once the controls come to rest: about a
// millisecond of arithmetic, no allocation. Never worse than design_matched;
// a bell or shelf may come back as two sections.
EqSections design_refined(const EqBandShape& band, double rate) noexcept;

}  // namespace lacquer::dsp
