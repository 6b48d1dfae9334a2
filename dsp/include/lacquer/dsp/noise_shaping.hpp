// Psychoacoustic noise-shaping filters for requantisation by error feedback.
//
// A filter is a list of taps c_1..c_N: the quantiser's input is the signal
// minus sum_k c_k e[n-k], where e is the quantiser's total error (rounding plus
// dither), so the error that reaches the output is e filtered by the noise
// transfer function NTF(z) = 1 - sum_k c_k z^-k. Every filter here is minimum
// phase, so its mean log level over 0..fs/2 is 0 dB (Gerzon & Craven, "Optimal
// noise shaping and dither of digital signals", AES 87th conv., 1989): noise
// taken out of the ear's sensitive 1-5 kHz region reappears, more of it, where
// the ear is deaf.
//
// The curves, from gentle to aggressive, at 44.1 kHz as published:
//   gentle      Wannamaker 3-tap F-weighted ("Psychoacoustically optimal noise
//               shaping", JAES 40(7/8), 1992); total noise +6.6 dB
//   medium      Lipshitz, Vanderkooy, Wannamaker 5-tap E-weighted ("Minimally
//               audible noise shaping", JAES 39(11), 1991); +12.2 dB
//   aggressive  Wannamaker 9-tap F-weighted (1992); +18.4 dB
// At 48 kHz each is re-fitted to the same curve in Hz (same number of taps,
// minimum phase; scripts/design_noise_shapers.cpp). Rates within 5 % of one of
// the two use its design. There is no design for other rates: the curves are
// tied to the ear's threshold in Hz, and a filter made for another rate would
// put its notch in the wrong place, so there noise_shaping_taps() is empty and
// a quantiser falls back to plain TPDF.
#pragma once

#include <cstdint>
#include <span>

namespace lacquer::dsp {

enum class NoiseShapingCurve : std::uint8_t { gentle, medium, aggressive };

inline constexpr int kMaxNoiseShapingTaps = 9;

// The taps of `curve` at `sample_rate`, or an empty span when there is no
// design for that rate.
std::span<const double> noise_shaping_taps(NoiseShapingCurve curve, double sample_rate) noexcept;

// |NTF(e^jw)|^2 at `w` radians per sample: the designed curve, relative to the
// flat spectrum of the unshaped error.
double noise_transfer_power(std::span<const double> taps, double w) noexcept;

// 1 + sum_k c_k^2: how much the total noise power grows (white error in).
double noise_power_gain(std::span<const double> taps) noexcept;

}  // namespace lacquer::dsp
