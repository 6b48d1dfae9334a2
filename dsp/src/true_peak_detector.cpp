#include <lacquer/dsp/true_peak_detector.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lacquer::dsp {
namespace {

constexpr double kKaiserBeta = 6.0;

// Zeroth-order modified Bessel function of the first kind (power series).
double bessel_i0(double x) noexcept {
  double sum = 1.0;
  double term = 1.0;
  for (int k = 1; k < 64; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

// Kaiser-windowed sinc with its cutoff at the input's Nyquist frequency,
// nonzero on |t| < half_width (t in input samples).
double kernel(double t, double half_width) noexcept {
  const double ratio = t / half_width;
  if (ratio <= -1.0 || ratio >= 1.0) return 0.0;
  const double window = bessel_i0(kKaiserBeta * std::sqrt(1.0 - ratio * ratio)) / bessel_i0(kKaiserBeta);
  const double sinc = t == 0.0 ? 1.0 : std::sin(std::numbers::pi * t) / (std::numbers::pi * t);
  return sinc * window;
}

// The vertex of the parabola through (-1, a), (0, b), (1, c) when b is a local
// extremum, else |b|. Sign-folded so that b >= 0; the vertex then lies within
// half a point of b and exceeds it by (c - a)^2 / (8 (2b - a - c)).
inline float refine(float a, float b, float c) noexcept {
  const float sign = b < 0.0f ? -1.0f : 1.0f;
  a *= sign;
  b *= sign;
  c *= sign;
  const float curvature = 2.0f * b - a - c;
  const bool extremum = b >= a && b >= c && curvature > 1e-30f;
  const float slope = c - a;
  const float lift = slope * slope / (8.0f * (extremum ? curvature : 1.0f));
  return b + (extremum ? lift : 0.0f);
}

}  // namespace

int TruePeakDetector::oversampling_for(double sample_rate) noexcept {
  int factor = 4;
  while (factor < 8 && factor * sample_rate < 176400.0 - 1.0) factor *= 2;
  return factor;
}

void TruePeakDetector::prepare(double sample_rate, int max_block) {
  factor_ = oversampling_for(sample_rate);
  max_block_ = std::max(1, max_block);
  constexpr int T = kTapsPerPhase;
  taps_.assign(static_cast<std::size_t>((factor_ - 1) * T), 0.0f);
  for (int p = 1; p < factor_; ++p) {
    // y_p[m] = sum_t taps[t] x[m - T/2 + 1 + t] interpolates x at m + p/K.
    double sum = 0.0;
    double row[T];
    for (int t = 0; t < T; ++t) {
      row[t] = kernel(double(p) / factor_ + T / 2 - 1 - t, T / 2.0);
      sum += row[t];
    }
    // Unity gain at DC for every phase, so a constant reads as itself.
    for (int t = 0; t < T; ++t) {
      taps_[static_cast<std::size_t>((p - 1) * T + t)] = static_cast<float>(row[t] / sum);
    }
  }
  input_.assign(static_cast<std::size_t>(kHistory + max_block_), 0.0f);
  phases_.assign(static_cast<std::size_t>((factor_ - 1) * (2 + max_block_)), 0.0f);
  interval_peak_.assign(static_cast<std::size_t>(1 + max_block_), 0.0f);
  reset();
}

void TruePeakDetector::reset() noexcept {
  std::fill(input_.begin(), input_.end(), 0.0f);
  std::fill(phases_.begin(), phases_.end(), 0.0f);
  std::fill(interval_peak_.begin(), interval_peak_.end(), 0.0f);
  carry_valid_ = true;
}

void TruePeakDetector::process(const float* in, float* peak, int frames) noexcept {
  frames = std::min(frames, max_block_);
  float* x = input_.data() + kHistory;
  std::copy(in, in + frames, x);
  if (!oversampling_enabled_) {
    for (int i = 0; i < frames; ++i) peak[i] = std::fabs(x[i - kDelay]);
    carry_valid_ = false;
  } else {
    switch (factor_) {
      case 2: estimate<2>(peak, frames); break;
      case 4: estimate<4>(peak, frames); break;
      default: estimate<8>(peak, frames); break;
    }
  }
  std::copy(input_.begin() + frames, input_.begin() + frames + kHistory, input_.begin());
}

// After running without oversampling, the interpolated values carried over
// from the previous block are stale: recompute them from the input history.
// The previous interval's peak is not recoverable; the largest sample around
// it stands in for one sample.
template <int K>
void TruePeakDetector::rebuild_carry() noexcept {
  constexpr int T = kTapsPerPhase;
  const float* x = input_.data() + kHistory;
  const std::size_t stride = static_cast<std::size_t>(2 + max_block_);
  for (int p = 1; p < K; ++p) {
    const float* h = taps_.data() + std::size_t(p - 1) * T;
    float* row = phases_.data() + std::size_t(p - 1) * stride;
    for (int i = -2; i < 0; ++i) {
      float sum = 0.0f;
      for (int t = 0; t < T; ++t) sum += h[t] * x[i - T + 1 + t];
      row[2 + i] = sum;
    }
  }
  float largest = 0.0f;
  for (int i = -kHistory; i < 0; ++i) largest = std::max(largest, std::fabs(x[i]));
  interval_peak_[0] = largest;
  carry_valid_ = true;
}

template <int K>
void TruePeakDetector::estimate(float* peak, int frames) noexcept {
  constexpr int T = kTapsPerPhase;
  if (!carry_valid_) rebuild_carry<K>();
  const float* x = input_.data() + kHistory;
  const std::size_t stride = static_cast<std::size_t>(2 + max_block_);
  float* rows[K];  // rows[p][2 + i]: x interpolated at (i - T/2) + p/K
  for (int p = 1; p < K; ++p) rows[p] = phases_.data() + std::size_t(p - 1) * stride;

  // Polyphase interpolation, one phase at a time so the inner loop runs over
  // time and vectorises.
  for (int p = 1; p < K; ++p) {
    const float* h = taps_.data() + std::size_t(p - 1) * T;
    float* y = rows[p] + 2;
    for (int i = 0; i < frames; ++i) y[i] = 0.0f;
    for (int t = 0; t < T; ++t) {
      const float c = h[t];
      const float* src = x - T + 1 + t;
      for (int i = 0; i < frames; ++i) y[i] += c * src[i];
    }
  }

  // Interval s = i - kDelay spans the oversampled points z[1] = x[s] ...
  // z[K+1] = x[s+1]; z[0] and z[K+2] are their outer neighbours.
  float* q = interval_peak_.data() + 1;
  for (int i = 0; i < frames; ++i) {
    float z[K + 3];
    z[0] = rows[K - 1][i];
    z[1] = x[i - kDelay];
    for (int p = 1; p < K; ++p) z[1 + p] = rows[p][i + 1];
    z[K + 1] = x[i - kDelay + 1];
    z[K + 2] = rows[1][i + 2];
    float best = 0.0f;
    for (int j = 1; j <= K + 1; ++j) best = std::max(best, refine(z[j - 1], z[j], z[j + 1]));
    q[i] = best;
  }
  // Each sample takes the larger of the intervals on its two sides.
  for (int i = 0; i < frames; ++i) peak[i] = std::max(q[i - 1], q[i]);

  for (int p = 1; p < K; ++p) {
    rows[p][0] = rows[p][frames];
    rows[p][1] = rows[p][frames + 1];
  }
  interval_peak_[0] = q[frames - 1];
}

}  // namespace lacquer::dsp
