#include <algorithm>
#include <cmath>
#include <cstring>
#include <lacquer/dsp/true_peak_detector.hpp>
#include <numbers>

namespace lacquer::dsp {
namespace {

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

// Half of a symmetric half-band interpolator: the Kaiser-windowed sinc (cutoff
// at the input's Nyquist frequency) at distances 1/2, 3/2, ... from the
// midpoint it interpolates, scaled to unity gain at DC.
std::vector<float> half_band(int taps, double beta) {
  const int half = taps / 2;
  std::vector<double> h(static_cast<std::size_t>(half));
  double sum = 0.0;
  for (int k = 0; k < half; ++k) {
    const double t = k + 0.5;
    const double ratio = t / half;
    const double window =
        bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - ratio * ratio))) / bessel_i0(beta);
    h[static_cast<std::size_t>(k)] =
        std::sin(std::numbers::pi * t) / (std::numbers::pi * t) * window;
    sum += 2.0 * h[static_cast<std::size_t>(k)];
  }
  std::vector<float> out(h.size());
  for (std::size_t k = 0; k < h.size(); ++k) out[k] = static_cast<float>(h[k] / sum);
  return out;
}

// Four floats; GCC and Clang vector extensions, so the refinement below runs
// four points at a time on any target (a plain loop does not vectorise: the
// compiler keeps float selects as branches).
using Float4 = float __attribute__((vector_size(16)));
using Mask4 = int __attribute__((vector_size(16)));

inline Float4 load4(const float* p) noexcept {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The vertex of the parabola through (-1, a), (0, b), (1, c) when b is a local
// extremum, else |b|. Sign-folded so that b >= 0; the vertex then lies within
// half a point of b and exceeds it by (c - a)^2 / (8 (2b - a - c)), which is
// at most (2b - a - c) / 8.
inline Float4 refine(Float4 a, Float4 b, Float4 c) noexcept {
  const Float4 minus_zero = {-0.0f, -0.0f, -0.0f, -0.0f};
  const Mask4 sign = reinterpret_cast<Mask4>(b) & reinterpret_cast<Mask4>(minus_zero);
  a = reinterpret_cast<Float4>(reinterpret_cast<Mask4>(a) ^ sign);
  c = reinterpret_cast<Float4>(reinterpret_cast<Mask4>(c) ^ sign);
  b = reinterpret_cast<Float4>(reinterpret_cast<Mask4>(b) & ~reinterpret_cast<Mask4>(minus_zero));
  Float4 curvature = 2.0f * b - a - c;
  curvature = curvature > 1e-30f ? curvature : 1e-30f;
  const Float4 slope = c - a;
  Float4 lift = slope * slope / (8.0f * curvature);
  const Float4 cap = 0.125f * curvature;
  lift = lift < cap ? lift : cap;
  const Mask4 extremum = (b >= a) & (b >= c);
  return b + reinterpret_cast<Float4>(reinterpret_cast<Mask4>(lift) & extremum);
}

// How far (in base frames) each stage reads ahead of the index it computes.
constexpr int kAheadA = TruePeakDetector::kLongTaps / 2;  // 48
constexpr int kAheadB = 3;                                // 12 taps on the 2x sequence
constexpr int kAheadC = 1;                                // 8 taps on the 4x sequence

}  // namespace

int TruePeakDetector::oversampling_for(double sample_rate) noexcept {
  return sample_rate < 44100.0 - 1.0 ? 8 : 4;
}

void TruePeakDetector::prepare(double sample_rate, int max_block) {
  factor_ = oversampling_for(sample_rate);
  max_block_ = std::max(1, max_block);
  long_taps_ = half_band(kLongTaps, 6.0);
  short_taps_ = half_band(kShortTaps, 8.0);
  shortest_taps_ = half_band(kShortestTaps, 8.0);
  stride_ = kHistory + max_block_ + kSlack;
  rows_.assign(static_cast<std::size_t>(factor_ * stride_), 0.0f);
  interval_peak_.assign(static_cast<std::size_t>(1 + max_block_), 0.0f);
  refined_.assign(static_cast<std::size_t>(factor_ * (max_block_ + kSlack)), 0.0f);
  saved_history_.assign(static_cast<std::size_t>(factor_ * kHistory), 0.0f);
  silence_.assign(static_cast<std::size_t>(std::min(kDrainFrames, max_block_)), 0.0f);
  drained_.assign(silence_.size(), 0.0f);
  reset();
}

void TruePeakDetector::reset() noexcept {
  std::fill(rows_.begin(), rows_.end(), 0.0f);
  std::fill(interval_peak_.begin(), interval_peak_.end(), 0.0f);
  rows_valid_ = true;
}

void TruePeakDetector::midpoints(int r_factor, const std::vector<float>& taps, int first,
                                 int last) noexcept {
  const int K = factor_;
  const int half = static_cast<int>(taps.size());
  for (int r = 0; r < r_factor; ++r) {
    float* out = row((2 * r + 1) * K / (2 * r_factor));
    // value(m + (2r+1)/(2R)) = sum_k taps[k] (s[Rm + r - k] + s[Rm + r + 1 + k]),
    // where s[Rm + j] is row(j K / R)[m] (j folded into 0 .. R-1).
    const float* before[48];
    const float* after[48];
    for (int k = 0; k < half; ++k) {
      const int a = r - k;
      const int ma = a >= 0 ? a / r_factor : -((-a + r_factor - 1) / r_factor);
      before[k] = row((a - ma * r_factor) * K / r_factor) + ma;
      const int b = r + 1 + k;
      after[k] = row((b % r_factor) * K / r_factor) + b / r_factor;
    }
    // Eight outputs at a time, accumulated in registers across the taps.
    for (int j = first; j < last; j += 8) {
      float acc[8] = {};
      for (int k = 0; k < half; ++k) {
        const float c = taps[static_cast<std::size_t>(k)];
        const float* pa = before[k] + j;
        const float* pb = after[k] + j;
        for (int l = 0; l < 8; ++l) acc[l] += c * (pa[l] + pb[l]);
      }
      const int lanes = std::min(8, last - j);
      for (int l = 0; l < lanes; ++l) out[j + l] = acc[l];
    }
  }
}

// Runs the stages over `count` indices starting at their own first index.
void TruePeakDetector::interpolate(int first_a, int first_b, int first_c, int count) noexcept {
  midpoints(1, long_taps_, first_a, first_a + count);
  midpoints(2, short_taps_, first_b, first_b + count);
  if (factor_ == 8) midpoints(4, shortest_taps_, first_c, first_c + count);
}

void TruePeakDetector::process(const float* in, float* peak, int frames) noexcept {
  frames = std::min(frames, max_block_);
  float* x = row(0);
  std::copy(in, in + frames, x);
  if (!oversampling_enabled_) {
    for (int i = 0; i < frames; ++i) peak[i] = std::fabs(x[i - kDelay]);
    rows_valid_ = false;
  } else {
    if (!rows_valid_) {
      // After blocks without oversampling the interpolated rows are stale:
      // recompute what the next estimates read from the input history. The
      // previous interval's peak is not recoverable; the largest sample
      // around it stands in for one sample.
      constexpr int first = -kHistory + kAheadA;  // the oldest stage A can compute
      interpolate(first, first + 6, first + 8, -kAheadA - first);
      float largest = 0.0f;
      for (int i = -kDelay - 6; i < -kDelay + 6; ++i) largest = std::max(largest, std::fabs(x[i]));
      interval_peak_[0] = largest;
      rows_valid_ = true;
    }
    interpolate(-kAheadA, -kAheadA - kAheadB, -kAheadA - kAheadB - kAheadC, frames);
    if (factor_ == 8) {
      estimate<8>(peak, frames);
    } else {
      estimate<4>(peak, frames);
    }
  }
  // Keep the last kHistory frames of every row in front of the next block.
  const int rows = oversampling_enabled_ ? factor_ : 1;
  for (int p = 0; p < rows; ++p) {
    float* r = row(p);
    std::memmove(r - kHistory, r + frames - kHistory, sizeof(float) * kHistory);
  }
}

float TruePeakDetector::pending_peak() noexcept {
  // What process() carries from one block to the next: the history of every
  // row, the last interval's peak and whether the rows are current.
  for (int p = 0; p < factor_; ++p) {
    std::copy_n(row(p) - kHistory, kHistory, saved_history_.data() + std::size_t(p * kHistory));
  }
  const float carried_peak = interval_peak_[0];
  const bool rows_valid = rows_valid_;
  float largest = 0.0f;
  const int chunk = static_cast<int>(silence_.size());
  for (int done = 0; done < kDrainFrames; done += chunk) {
    const int n = std::min(chunk, kDrainFrames - done);
    process(silence_.data(), drained_.data(), n);
    for (int i = 0; i < n; ++i) largest = std::max(largest, drained_[static_cast<std::size_t>(i)]);
  }
  for (int p = 0; p < factor_; ++p) {
    std::copy_n(saved_history_.data() + std::size_t(p * kHistory), kHistory, row(p) - kHistory);
  }
  interval_peak_[0] = carried_peak;
  rows_valid_ = rows_valid;
  return largest;
}

template <int K>
void TruePeakDetector::estimate(float* peak, int frames) noexcept {
  const float* rows[K];  // rows[p][m]: the signal at m + p/K
  for (int p = 0; p < K; ++p) rows[p] = row(p);
  // Refined value of every oversampled point, one phase at a time so each
  // loop runs over time and vectorises: point p of sample m has neighbours
  // p-1 and p+1, wrapping into the samples before and after.
  const int first = -kDelay;     // interval s = i - kDelay, i = 0 .. frames-1
  const int count = frames + 1;  // and phase 0 of s + 1
  float* refined = refined_.data();
  for (int p = 0; p < K; ++p) {
    const float* before = p == 0 ? rows[K - 1] - 1 : rows[p - 1];
    const float* here = rows[p];
    const float* after = p == K - 1 ? rows[0] + 1 : rows[p + 1];
    float* out = refined + std::size_t(p) * std::size_t(max_block_ + kSlack);
    for (int n = 0; n < count; n += 4) {
      const Float4 v =
          refine(load4(before + first + n), load4(here + first + n), load4(after + first + n));
      std::memcpy(out + n, &v, sizeof v);
    }
  }
  // Interval s spans points 0 .. K-1 of s and point 0 of s + 1.
  float* q = interval_peak_.data() + 1;
  for (int i = 0; i < frames; ++i) q[i] = refined[i + 1];  // point 0 of s + 1
  for (int p = 0; p < K; ++p) {
    const float* r = refined + std::size_t(p) * std::size_t(max_block_ + kSlack);
    for (int i = 0; i < frames; ++i) q[i] = std::max(q[i], r[i]);
  }
  // Each sample takes the larger of the intervals on its two sides.
  for (int i = 0; i < frames; ++i) peak[i] = std::max(q[i - 1], q[i]);
  interval_peak_[0] = q[frames - 1];
}

}  // namespace lacquer::dsp
