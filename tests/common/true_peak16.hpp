// Reference true-peak meter for tests: 16x oversampling with a long
// Kaiser-windowed sinc (128 taps per phase, beta 9, cutoff at the input's
// Nyquist frequency, every phase normalised to unity gain at DC).
//
// It is deliberately unlike the limiter's detector (TruePeakDetector: 2-8x,
// 24 taps per phase, parabolic refinement): a test that judges the limiter
// must not share its blind spots. At 16x the largest oversampled value misses
// a peak by at most 1 - cos(pi f / (16 fs)): 0.034 dB at 0.45 fs, 0.006 dB at
// 0.2 fs. The kernel's passband is flat to within 0.001 dB up to about 0.47 fs.
//
// The signal is taken as silent before its first and after its last sample,
// so the ringing of an abrupt end counts as it would after a D/A converter.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

#include "signals.hpp"

namespace lacquer::test {

class TruePeak16 {
 public:
  static constexpr int kFactor = 16;
  static constexpr int kHalfTaps = 64;  // input samples on each side
  static constexpr int kTaps = 2 * kHalfTaps;

  TruePeak16() : taps_(std::size_t(kFactor) * kTaps) {
    constexpr double beta = 9.0;
    for (int p = 1; p < kFactor; ++p) {
      // Interpolates at m + p/16 from x[m - kHalfTaps + 1 + t], t = 0 .. kTaps-1.
      double sum = 0.0;
      std::vector<double> row(kTaps);
      for (int t = 0; t < kTaps; ++t) {
        const double tau = double(p) / kFactor + kHalfTaps - 1 - t;
        const double ratio = tau / kHalfTaps;
        const double window =
            ratio <= -1.0 || ratio >= 1.0
                ? 0.0
                : bessel_i0(beta * std::sqrt(1.0 - ratio * ratio)) / bessel_i0(beta);
        const double sinc = std::sin(std::numbers::pi * tau) / (std::numbers::pi * tau);
        row[std::size_t(t)] = sinc * window;
        sum += row[std::size_t(t)];
      }
      for (int t = 0; t < kTaps; ++t)
        taps_[std::size_t(p * kTaps + t)] = float(row[std::size_t(t)] / sum);
    }
  }

  // Highest absolute value of the reconstructed signal (linear).
  double peak(const std::vector<float>& x) const {
    const std::size_t n = x.size();
    // Zero padding on both sides: interpolated points run from kHalfTaps
    // before the first sample to kHalfTaps after the last (plus slack for the
    // eight-wide loop).
    std::vector<float> padded(n + 4 * kHalfTaps + 8, 0.0f);
    std::copy(x.begin(), x.end(), padded.begin() + 2 * kHalfTaps);
    double best = 0.0;
    for (float v : x) best = std::max(best, double(std::fabs(v)));
    const std::size_t points = n + 2 * kHalfTaps;  // m = -kHalfTaps .. n + kHalfTaps - 1
    for (int p = 1; p < kFactor; ++p) {
      const float* h = taps_.data() + std::size_t(p) * kTaps;
      // Eight points at a time, summed in registers over the whole kernel:
      // point k is x at m = k - kHalfTaps; its first tap is padded[k + 1].
      for (std::size_t k0 = 0; k0 < points; k0 += 8) {
        Float4 low = {}, high = {};
        const float* src = padded.data() + k0 + 1;
        for (int t = 0; t < kTaps; ++t) {
          low += h[t] * load4(src + t);
          high += h[t] * load4(src + t + 4);
        }
        float acc[8];
        std::memcpy(acc, &low, sizeof low);
        std::memcpy(acc + 4, &high, sizeof high);
        const std::size_t lanes = std::min<std::size_t>(8, points - k0);
        for (std::size_t l = 0; l < lanes; ++l) best = std::max(best, double(std::fabs(acc[l])));
      }
    }
    return best;
  }

  double peak_db(const std::vector<float>& x) const { return linear_to_db(peak(x)); }

  // Highest over all channels, in dBTP.
  double peak_db(const Planar& audio) const {
    double best = 0.0;
    for (const auto& channel : audio) best = std::max(best, peak(channel));
    return linear_to_db(best);
  }

 private:
  // Four floats (GCC and Clang vector extensions): the compiler keeps the
  // eight sums in registers at any optimisation level.
  using Float4 = float __attribute__((vector_size(16)));
  static Float4 load4(const float* p) {
    Float4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  static double bessel_i0(double x) {
    double sum = 1.0;
    double term = 1.0;
    for (int k = 1; k < 80; ++k) {
      term *= (x / (2.0 * k)) * (x / (2.0 * k));
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return sum;
  }

  std::vector<float> taps_;
};

// Sample peak over all channels, in dBFS.
inline double sample_peak_db(const Planar& audio) {
  double best = 0.0;
  for (const auto& channel : audio) best = std::max(best, peak(channel));
  return linear_to_db(best);
}

}  // namespace lacquer::test
