// A second-order IIR section in transposed direct form II with double-precision
// state, and the linear coefficient ramp that moves it click-free from one
// design to the next.
//
// Double state matters for mastering: a 20 Hz section at 96 kHz has poles
// within 1e-3 of the unit circle, where float state adds audible noise and
// drift (Jackson, "Digital Filters and Signal Processing", ch. 11). TDF-II
// keeps two state variables and is well behaved under coefficient changes.
#pragma once

#include <complex>

namespace lacquer::dsp {

// H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
struct BiquadCoefficients {
  double b0 = 1.0, b1 = 0.0, b2 = 0.0;
  double a1 = 0.0, a2 = 0.0;

  static constexpr BiquadCoefficients identity() noexcept { return {}; }

  // Frequency response at `w` radians per sample.
  std::complex<double> response(double w) const noexcept {
    const std::complex<double> z1 = std::polar(1.0, -w);
    const std::complex<double> z2 = z1 * z1;
    return (b0 + b1 * z1 + b2 * z2) / (1.0 + a1 * z1 + a2 * z2);
  }
  double magnitude(double w) const noexcept { return std::abs(response(w)); }

  // Inside the stability triangle |a2| < 1, |a1| < 1 + a2. The triangle is
  // convex, so every point on a straight line between two stable sections is
  // stable too: that is what makes linear coefficient ramps safe.
  bool stable() const noexcept {
    return a2 < 1.0 && a2 > -1.0 && (a1 < 1.0 + a2) && (-a1 < 1.0 + a2);
  }

  friend bool operator==(const BiquadCoefficients&, const BiquadCoefficients&) = default;
};

class Biquad {
 public:
  // Takes effect at once (use ramp_to while audio is running).
  void set(const BiquadCoefficients& c) noexcept {
    c_ = c;
    target_ = c;
    ramp_left_ = 0;
  }
  // Moves every coefficient linearly to `target` over `frames` samples.
  void ramp_to(const BiquadCoefficients& target, int frames) noexcept {
    target_ = target;
    if (frames <= 0 || target == c_) {
      c_ = target;
      ramp_left_ = 0;
      return;
    }
    const double inv = 1.0 / frames;
    step_ = {(target.b0 - c_.b0) * inv, (target.b1 - c_.b1) * inv, (target.b2 - c_.b2) * inv,
             (target.a1 - c_.a1) * inv, (target.a2 - c_.a2) * inv};
    ramp_left_ = frames;
  }
  const BiquadCoefficients& coefficients() const noexcept { return c_; }
  const BiquadCoefficients& target() const noexcept { return target_; }
  bool ramping() const noexcept { return ramp_left_ > 0; }

  void reset() noexcept { s1_ = s2_ = 0.0; }

  // The two state variables, for code that runs many sections in one loop
  // (e.g. two channels or a whole cascade per sample) and hands them back.
  double state1() const noexcept { return s1_; }
  double state2() const noexcept { return s2_; }
  void set_state(double s1, double s2) noexcept {
    s1_ = s1;
    s2_ = s2;
  }

  double process(double x) noexcept {
    const double y = c_.b0 * x + s1_;
    s1_ = c_.b1 * x - c_.a1 * y + s2_;
    s2_ = c_.b2 * x - c_.a2 * y;
    return y;
  }

  // In place. State and coefficients live in locals for the loop.
  void process(float* audio, int frames) noexcept {
    int i = 0;
    if (ramp_left_ > 0) i = process_ramp(audio, frames);
    double s1 = s1_, s2 = s2_;
    const double b0 = c_.b0, b1 = c_.b1, b2 = c_.b2, a1 = c_.a1, a2 = c_.a2;
    for (; i < frames; ++i) {
      const double x = audio[i];
      const double y = b0 * x + s1;
      s1 = b1 * x - a1 * y + s2;
      s2 = b2 * x - a2 * y;
      audio[i] = static_cast<float>(y);
    }
    s1_ = s1;
    s2_ = s2;
  }

 private:
  int process_ramp(float* audio, int frames) noexcept {
    const int n = frames < ramp_left_ ? frames : ramp_left_;
    for (int i = 0; i < n; ++i) {
      c_.b0 += step_.b0;
      c_.b1 += step_.b1;
      c_.b2 += step_.b2;
      c_.a1 += step_.a1;
      c_.a2 += step_.a2;
      audio[i] = static_cast<float>(process(double(audio[i])));
    }
    ramp_left_ -= n;
    if (ramp_left_ == 0) c_ = target_;  // land exactly, free of accumulated rounding
    return n;
  }

  BiquadCoefficients c_{};
  BiquadCoefficients target_{};
  BiquadCoefficients step_{0.0, 0.0, 0.0, 0.0, 0.0};
  int ramp_left_ = 0;
  double s1_ = 0.0, s2_ = 0.0;
};

}  // namespace lacquer::dsp
