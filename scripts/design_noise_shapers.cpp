// Designs the 48 kHz noise-shaping filters of dsp/src/noise_shaping.cpp from
// the published 44.1 kHz ones, and prints them.
//
//   g++ -O2 -std=c++20 scripts/design_noise_shapers.cpp -o /tmp/design && /tmp/design
//
// The published designs (Wannamaker, "Psychoacoustically optimal noise
// shaping", JAES 40(7/8), 1992; Lipshitz, Vanderkooy, Wannamaker, "Minimally
// audible noise shaping", JAES 39(11), 1991) are error-feedback filters for
// 44.1 kHz: the output error is E(z) (1 - sum_k c_k z^-k). Used as they are at
// 48 kHz, every feature of the curve would move up by 8.8 %. Instead, each one
// is re-fitted at 48 kHz with the same number of taps: Levenberg-Marquardt
// least squares on the noise transfer function's level in dB at 400 points
// from 20 Hz to 20 kHz, against the 44.1 kHz filter's level at the same
// frequencies in Hz, with a free overall offset (a monic minimum-phase filter
// cannot choose its mean log level: it is 0 dB over 0..fs/2, Gerzon & Craven,
// "Optimal noise shaping and dither of digital signals", AES 87th conv., 1989).
// The printed mean log level confirms each result is minimum phase.
#include <cmath>
#include <complex>
#include <cstdio>
#include <numbers>
#include <utility>
#include <vector>

namespace {

using Taps = std::vector<double>;

double ntf_db(const Taps& c, double freq, double rate) {
  const std::complex<double> z1 = std::polar(1.0, -2.0 * std::numbers::pi * freq / rate);
  std::complex<double> h = 1.0, zk = 1.0;
  for (double ck : c) {
    zk *= z1;
    h -= ck * zk;
  }
  return 10.0 * std::log10(std::norm(h));
}

// Residuals of taps + offset (the last entry of `p`) against `target`.
std::vector<double> residuals(const std::vector<double>& p, const std::vector<double>& freqs,
                              const std::vector<double>& target, double rate) {
  const Taps c(p.begin(), p.end() - 1);
  std::vector<double> r(freqs.size());
  for (std::size_t i = 0; i < freqs.size(); ++i)
    r[i] = ntf_db(c, freqs[i], rate) + p.back() - target[i];
  return r;
}

double cost(const std::vector<double>& r) {
  double s = 0.0;
  for (double x : r) s += x * x;
  return s;
}

// Solves A x = b in place (Gauss-Jordan, partial pivoting); A is n x (n+1).
std::vector<double> solve(std::vector<std::vector<double>> a) {
  const std::size_t n = a.size();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    std::swap(a[col], a[pivot]);
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / a[col][col];
      for (std::size_t k = col; k <= n; ++k) a[r][k] -= f * a[col][k];
    }
  }
  std::vector<double> x(n);
  for (std::size_t r = 0; r < n; ++r) x[r] = a[r][n] / a[r][r];
  return x;
}

Taps refit(const Taps& published, double from_rate, double to_rate) {
  constexpr int kPoints = 400;
  std::vector<double> freqs(kPoints), target(kPoints);
  for (int i = 0; i < kPoints; ++i) {
    freqs[i] = 20.0 + (20000.0 - 20.0) * i / (kPoints - 1);
    target[i] = ntf_db(published, freqs[i], from_rate);
  }
  std::vector<double> p = published;
  p.push_back(0.0);
  const std::size_t n = p.size();
  double lambda = 1e-3;
  for (int iteration = 0; iteration < 500; ++iteration) {
    const auto r = residuals(p, freqs, target, to_rate);
    std::vector<std::vector<double>> jacobian(kPoints, std::vector<double>(n));
    for (std::size_t k = 0; k < n; ++k) {
      auto q = p;
      q[k] += 1e-6;
      const auto rk = residuals(q, freqs, target, to_rate);
      for (int i = 0; i < kPoints; ++i) jacobian[i][k] = (rk[i] - r[i]) / 1e-6;
    }
    std::vector<std::vector<double>> normal(n, std::vector<double>(n + 1, 0.0));
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = 0; b < n; ++b) {
        for (int i = 0; i < kPoints; ++i) normal[a][b] += jacobian[i][a] * jacobian[i][b];
      }
      for (int i = 0; i < kPoints; ++i) normal[a][n] -= jacobian[i][a] * r[i];
    }
    const double before = cost(r);
    bool improved = false;
    for (int attempt = 0; attempt < 20 && !improved; ++attempt) {
      auto damped = normal;
      for (std::size_t a = 0; a < n; ++a) damped[a][a] *= 1.0 + lambda;
      const auto step = solve(damped);
      auto q = p;
      for (std::size_t a = 0; a < n; ++a) q[a] += step[a];
      if (cost(residuals(q, freqs, target, to_rate)) < before) {
        p = q;
        lambda *= 0.3;
        improved = true;
      } else {
        lambda *= 10.0;
      }
    }
    if (!improved) break;
  }
  const auto r = residuals(p, freqs, target, to_rate);
  double worst = 0.0;
  for (double x : r) worst = std::max(worst, std::fabs(x));
  std::printf("  fit: rms %.3f dB, worst %.3f dB, offset %.3f dB\n", std::sqrt(cost(r) / kPoints),
              worst, p.back());
  return Taps(p.begin(), p.end() - 1);
}

}  // namespace

int main() {
  const std::pair<const char*, Taps> published[] = {
      {"gentle: Wannamaker 3-tap F-weighted", {1.623, -0.982, 0.109}},
      {"medium: Lipshitz et al. 5-tap E-weighted", {2.033, -2.165, 1.959, -1.590, 0.6149}},
      {"aggressive: Wannamaker 9-tap F-weighted",
       {2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847}},
  };
  for (const auto& [name, taps] : published) {
    std::printf("%s\n", name);
    const Taps at48 = refit(taps, 44100.0, 48000.0);
    double mean_log = 0.0;
    constexpr int kGrid = 8000;
    for (int i = 0; i < kGrid; ++i) mean_log += ntf_db(at48, (i + 0.5) * 24000.0 / kGrid, 48000.0);
    std::printf("  mean log level over 0..24 kHz: %.4f dB (0: minimum phase)\n  {",
                mean_log / kGrid);
    for (double c : at48) std::printf("%.6f, ", c);
    std::printf("}\n");
  }
}
