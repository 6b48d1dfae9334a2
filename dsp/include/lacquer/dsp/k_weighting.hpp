// The BS.1770 K-weighting pre-filter (a high shelf of about +4 dB above 1.5 kHz
// followed by a high-pass near 38 Hz), designed for any sample rate.
//
// ITU-R BS.1770-4 gives the coefficients for 48 kHz only; the analogue
// prototype parameters below are the ones libebur128 derives from them, so a
// level measured here agrees with libebur128 at every rate.
#pragma once

#include <lacquer/dsp/biquad.hpp>

#include <cmath>
#include <numbers>

namespace lacquer::dsp {

class KWeighting {
 public:
  void prepare(double sample_rate) noexcept {
    shelf_.set(shelf_design(sample_rate));
    highpass_.set(highpass_design(sample_rate));
    reset();
  }
  void reset() noexcept {
    shelf_.reset();
    highpass_.reset();
  }
  double process(double x) noexcept { return highpass_.process(shelf_.process(x)); }

  // Stage 1: the head's acoustic effect, a high shelf.
  static BiquadCoefficients shelf_design(double sample_rate) noexcept {
    constexpr double f0 = 1681.974450955533;
    constexpr double gain_db = 3.999843853973347;
    constexpr double q = 0.7071752369554196;
    const double k = std::tan(std::numbers::pi * f0 / sample_rate);
    const double vh = std::pow(10.0, gain_db / 20.0);
    const double vb = std::pow(vh, 0.4996667741545416);
    const double a0 = 1.0 + k / q + k * k;
    return {(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
            2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
  }

  // Stage 2: the RLB weighting, a second-order high-pass.
  static BiquadCoefficients highpass_design(double sample_rate) noexcept {
    constexpr double f0 = 38.13547087602444;
    constexpr double q = 0.5003270373238773;
    const double k = std::tan(std::numbers::pi * f0 / sample_rate);
    const double a0 = 1.0 + k / q + k * k;
    return {1.0, -2.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
  }

 private:
  Biquad shelf_;
  Biquad highpass_;
};

}  // namespace lacquer::dsp
