#include <algorithm>
#include <cmath>
#include <lacquer/dsp/eq_design.hpp>
#include <numbers>

namespace lacquer::dsp {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kNepersPerDb = std::numbers::ln10 / 10.0;  // |ln(power ratio)| per dB
// A refined single section further than this from the prototype becomes a pair.
constexpr double kPairThresholdDb = 0.05;

// The section as four (first order: two) positive numbers, see the header.
// Second order: H(s) = (g1 s^2 + b s + g0 v) / (s^2 + a s + v).
// First order:  H(s) = (g1 s + g0 v) / (s + v).
struct Blt {
  double g0 = 1.0, g1 = 1.0, v = 1.0, a = 1.0, b = 1.0;
  bool first_order = false;

  BiquadCoefficients coefficients() const noexcept {
    if (first_order) {
      const double n = 1.0 + v;
      return {(g1 + g0 * v) / n, (g0 * v - g1) / n, 0.0, (v - 1.0) / n, 0.0};
    }
    const double n = 1.0 + a + v;
    return {(g1 + b + g0 * v) / n, 2.0 * (g0 * v - g1) / n, (g1 - b + g0 * v) / n,
            2.0 * (v - 1.0) / n, (1.0 - a + v) / n};
  }
  // |H|^2 at u = tan^2(w/2).
  double magnitude2(double u) const noexcept {
    if (first_order) return (g1 * g1 * u + g0 * g0 * v * v) / (u + v * v);
    const double num = (g0 * v - g1 * u) * (g0 * v - g1 * u) + b * b * u;
    const double den = (v - u) * (v - u) + a * a * u;
    return num / den;
  }
  bool valid() const noexcept {
    return std::isfinite(g0) && std::isfinite(g1) && std::isfinite(v) && std::isfinite(a) &&
           std::isfinite(b) && g0 >= 0.0 && g1 >= 0.0 && v > 0.0 &&
           (first_order || (a > 0.0 && b >= 0.0));
  }
};

double tan2_half(double w) noexcept {
  const double t = std::tan(0.5 * w);
  return t * t;
}

// Bilinear transform prewarped at w0: always realisable, cramps near Nyquist.
// The fallback when a matched design has no positive solution.
Blt bilinear(const AnalogSection& s) noexcept {
  const double k = std::tan(0.5 * std::min(s.w0, 0.49 * kPi * 2.0));
  Blt p;
  if (s.first_order()) {
    p.first_order = true;
    p.v = s.d0 * k / s.d1;
    p.g1 = s.n1 / s.d1;
    p.g0 = s.n0 / s.d0;
    return p;
  }
  p.v = s.d0 * k * k / s.d2;
  p.a = s.d1 * k / s.d2;
  p.g1 = s.n2 / s.d2;
  p.b = s.n1 * k / s.d2;
  p.g0 = s.n0 / s.d0;
  return p;
}

// First order: DC and Nyquist take the analog gains, the magnitude matches
// the prototype at w0.
bool match_first_order(const AnalogSection& s, Blt& p) noexcept {
  const double g0 = std::sqrt(s.magnitude2(0.0));
  const double g1 = std::sqrt(s.magnitude2(kPi));
  const double u = tan2_half(s.w0);
  const double t = s.magnitude2(s.w0);
  const double v2 = u * (g1 * g1 - t) / (t - g0 * g0);
  if (!(v2 > 0.0) || !std::isfinite(v2)) return false;
  p = {g0, g1, std::sqrt(v2), 0.0, 0.0, true};
  return p.valid();
}

// Second order, exact at DC, Nyquist and three frequencies w[0..2]. With
// R_k(V) = (T_k (V - u_k)^2 - (G0 V - G1 u_k)^2) / u_k the three conditions
// read B^2 - T_k A^2 = R_k(V); eliminating A^2 and B^2 leaves a quadratic in V.
bool match_three(const AnalogSection& s, const double (&w)[3], double g1, Blt& best) noexcept {
  const double g0 = std::sqrt(s.magnitude2(0.0));
  double u[3], t[3], r[3][3];
  for (int k = 0; k < 3; ++k) {
    u[k] = tan2_half(w[k]);
    t[k] = s.magnitude2(w[k]);
    r[k][2] = (t[k] - g0 * g0) / u[k];
    r[k][1] = 2.0 * (g0 * g1 - t[k]);
    r[k][0] = (t[k] - g1 * g1) * u[k];
  }
  double q[3];
  for (int i = 0; i < 3; ++i) {
    q[i] = (r[0][i] - r[1][i]) * (t[2] - t[0]) - (r[0][i] - r[2][i]) * (t[1] - t[0]);
  }
  double roots[2];
  int count = 0;
  if (q[2] == 0.0) {
    if (q[1] != 0.0) roots[count++] = -q[0] / q[1];
  } else {
    const double disc = q[1] * q[1] - 4.0 * q[2] * q[0];
    if (disc < 0.0) return false;
    const double half = -0.5 * (q[1] + std::copysign(std::sqrt(disc), q[1]));
    roots[count++] = half / q[2];
    if (half != 0.0) roots[count++] = q[0] / half;
  }
  const int j = std::fabs(t[2] - t[0]) > std::fabs(t[1] - t[0]) ? 2 : 1;
  double best_error = INFINITY;
  for (int i = 0; i < count; ++i) {
    const double v = roots[i];
    if (!(v > 0.0)) continue;
    auto rk = [&](int k) { return (r[k][2] * v + r[k][1]) * v + r[k][0]; };
    const double a2 = (rk(0) - rk(j)) / (t[j] - t[0]);
    const double b2 = rk(0) + t[0] * a2;
    if (!(a2 > 0.0) || !(b2 >= 0.0)) continue;
    const Blt p{g0, g1, v, std::sqrt(a2), std::sqrt(b2), false};
    if (!p.valid()) continue;
    // Two roots can both fit the three points; keep the one that also fits
    // between them.
    double error = 0.0;
    for (double wm : {w[0], w[1], w[2], std::sqrt(w[0] * w[1]), std::sqrt(w[1] * w[2])}) {
      error = std::max(error, std::fabs(std::log(p.magnitude2(tan2_half(wm)) / s.magnitude2(wm))));
    }
    if (error < best_error) {
      best_error = error;
      best = p;
    }
  }
  return best_error < INFINITY;
}

// Bell: DC and Nyquist take the analog gains; peak value and zero slope at
// w0, and the analog value at the lower half-gain edge w1. The peak
// conditions fix V = u0 sqrt((G1^2 - G^2) / (G0^2 - G^2)) (Orfanidis 1997,
// eq. 22); the slope condition gives B^2 from A^2 and the edge gives A^2.
bool match_bell(const AnalogSection& s, double w1, double g1, Blt& p) noexcept {
  const double g0 = std::sqrt(s.magnitude2(0.0));
  const double w0 = s.w0;
  const double peak2 = s.magnitude2(w0);
  const double edge2 = s.magnitude2(w1);
  const double u0 = tan2_half(w0);
  const double u1 = tan2_half(w1);
  const double ratio = (g1 * g1 - peak2) / (g0 * g0 - peak2);
  if (!(ratio > 0.0)) return false;
  const double v = u0 * std::sqrt(ratio);
  const double c0 = 2.0 * g1 * (g0 * v - g1 * u0) - 2.0 * peak2 * (v - u0);  // B^2 = G^2 A^2 + c0
  const double a2 =
      (edge2 * (v - u1) * (v - u1) - (g0 * v - g1 * u1) * (g0 * v - g1 * u1) - u1 * c0) /
      (u1 * (peak2 - edge2));
  const double b2 = peak2 * a2 + c0;
  if (!(a2 > 0.0) || !(b2 > 0.0)) return false;
  p = {g0, g1, v, std::sqrt(a2), std::sqrt(b2), false};
  return p.valid();
}

// `g1`: the Nyquist gain to prescribe (the analog one for the closed form).
bool match_second_order(const AnalogSection& s, EqBandType type, double q, double g1,
                        Blt& p) noexcept {
  const double w0 = s.w0;
  if (type == EqBandType::bell) {
    const double edge = std::sqrt(1.0 + 1.0 / (4.0 * q * q)) - 1.0 / (2.0 * q);  // analog w1/w0
    return match_bell(s, w0 * edge, g1, p);
  }
  const double top = 0.95 * kPi;
  const double w[3] = {0.5 * w0, w0, std::min(2.0 * w0, 0.5 * (w0 + top))};
  return match_three(s, w, g1, p);
}

Blt design_section_matched(const AnalogSection& s, EqBandType type, double q) noexcept {
  Blt p;
  if (s.first_order()) {
    if (match_first_order(s, p)) return p;
    return bilinear(s);
  }
  if (match_second_order(s, type, q, std::sqrt(s.magnitude2(kPi)), p)) return p;
  return bilinear(s);
}

// The audio band the refinement holds to the prototype: 20 Hz to 20 kHz (or
// 0.95 Nyquist), denser around w0 (+-3 / Q octaves, 1 to 2.5: narrow bells are
// seen), plus a few points below 20 Hz and above 20 kHz at a quarter weight
// so the sections stay tame down to DC and up to Nyquist.
struct CheckGrid {
  static constexpr int kInBand = 64;
  static constexpr int kNearW0 = 32;
  static constexpr int kBelow = 3;
  static constexpr int kAbove = 4;
  static constexpr int kPoints = kInBand + kNearW0 + kBelow + kAbove;
  double u[kPoints];
  double target_log[kPoints];
  double weight[kPoints];
  double base_log[kPoints] = {};  // sections already in place
  bool stop_band[kPoints];
  int count = 0;
  static constexpr double kStopBand = 1e-4;

  CheckGrid(const AnalogSection& s, double q, double rate) noexcept {
    const double w_lo = 2.0 * kPi * 20.0 / rate;
    const double w_top = std::min(2.0 * kPi * 20000.0 / rate, 0.95 * kPi);
    // Even steps in ln tan(w/2), the axis on which a section's shape does not
    // depend on where it sits: near Nyquist, where the prototype and the
    // sections part, the points close in.
    const double t_lo = std::tan(0.5 * w_lo), t_top = std::tan(0.5 * w_top);
    for (int k = 0; k < kInBand; ++k) {
      const double t = t_lo * std::pow(t_top / t_lo, double(k) / (kInBand - 1));
      add(s, 2.0 * std::atan(t), 1.0);
    }
    const double span = std::exp2(std::clamp(3.0 / q, 1.0, 2.5));
    const double near_lo = std::max(w_lo, s.w0 / span);
    const double near_hi = std::min(w_top, s.w0 * span);
    if (near_hi > near_lo) {
      for (int k = 0; k < kNearW0; ++k) {
        add(s, near_lo * std::pow(near_hi / near_lo, (k + 0.5) / kNearW0), 1.0);
      }
    }
    for (const double below : {0.1, 0.25, 0.5}) add(s, below * w_lo, 0.25);
    if (w_top < 0.9 * kPi) {
      for (int k = 1; k <= kAbove; ++k) add(s, w_top + (0.95 * kPi - w_top) * k / kAbove, 0.25);
    }
  }
  void add(const AnalogSection& s, double w, double wt) noexcept {
    const double target = s.magnitude2(w);
    u[count] = tan2_half(w);
    target_log[count] = std::log(target);
    // Deep in a cut's stop band a dB error means nothing: there a point only
    // asks the section to stay below -40 dB.
    stop_band[count] = target < kStopBand;
    weight[count] = wt;
    ++count;
  }
  void set_base(const Blt& p) noexcept {
    for (int k = 0; k < count; ++k) base_log[k] = std::log(p.magnitude2(u[k]));
  }
  // Largest weighted |ln(|H|^2 / T)|.
  double error(const Blt& p) const noexcept {
    if (!p.valid()) return INFINITY;
    double e = 0.0;
    for (int k = 0; k < count; ++k) {
      const double m = p.magnitude2(u[k]);
      if (!(m > 0.0)) return INFINITY;
      const double log_m = std::log(m) + base_log[k];
      const double error = stop_band[k] ? std::max(0.0, log_m - std::log(kStopBand))
                                        : std::fabs(log_m - target_log[k]);
      e = std::max(e, weight[k] * error);
    }
    return std::isfinite(e) ? e : INFINITY;
  }
};

Blt minimise(const CheckGrid& grid, const Blt& start, double start_error) noexcept;

// The closed form with other Nyquist gains, then Nelder-Mead.
Blt refine_section(const AnalogSection& s, EqBandType type, double q, const Blt& matched,
                   double rate) noexcept {
  const CheckGrid grid(s, q, rate);
  double start_error = grid.error(matched);
  if (start_error < 0.002 * kNepersPerDb) return matched;  // already exact for all purposes
  // First the closed form with other Nyquist gains: above 20 kHz the section
  // need not follow the prototype, and freeing G1 is what removes most of
  // the error just below it.
  Blt start = matched;
  if (!s.first_order()) {
    const double g1_analog = std::sqrt(s.magnitude2(kPi));
    for (int k = -24; k <= 24; ++k) {
      Blt p;
      if (!match_second_order(s, type, q, g1_analog * std::exp(0.03 * k), p)) continue;
      const double e = grid.error(p);
      if (e < start_error) {
        start_error = e;
        start = p;
      }
    }
  }

  return minimise(grid, start, start_error);
}

// Nelder-Mead on the logarithms of the section's free numbers (G0 stays
// fixed). Deterministic: fixed start simplices and budgets.
Blt minimise(const CheckGrid& grid, const Blt& start, double start_error) noexcept {
  constexpr int kMaxDim = 4;
  const int dim = start.first_order ? 2 : 4;
  auto unpack = [&](const double* x) {
    Blt p = start;
    p.v = std::exp(x[0]);
    p.g1 = std::exp(x[1]);
    if (!start.first_order) {
      p.a = std::exp(x[2]);
      p.b = std::exp(x[3]);
    }
    return p;
  };
  constexpr double kFloor = 1e-12;
  double simplex[kMaxDim + 1][kMaxDim];
  double value[kMaxDim + 1];
  double origin[kMaxDim] = {std::log(start.v), std::log(std::max(start.g1, kFloor)),
                            std::log(std::max(start.a, kFloor)),
                            std::log(std::max(start.b, kFloor))};
  // Restarts around the best point with smaller simplices: Nelder-Mead on a
  // max-error objective stalls on its ridges otherwise.
  double best = start_error;
  int lo = 0;
  for (const double size : {0.02, 0.005, 0.001}) {
    for (int i = 0; i <= dim; ++i) {
      for (int d = 0; d < dim; ++d) simplex[i][d] = origin[d] + (i == d + 1 ? size : 0.0);
      value[i] = grid.error(unpack(simplex[i]));
    }
    constexpr int kBudget = 300;
    for (int evaluation = 0; evaluation < kBudget;) {
      int hi = 0;
      lo = 0;
      for (int i = 1; i <= dim; ++i) {
        if (value[i] > value[hi]) hi = i;
        if (value[i] < value[lo]) lo = i;
      }
      int next_hi = lo;
      for (int i = 0; i <= dim; ++i) {
        if (i != hi && value[i] > value[next_hi]) next_hi = i;
      }
      if (value[hi] - value[lo] < 1e-9) break;
      double centroid[kMaxDim] = {};
      for (int i = 0; i <= dim; ++i) {
        if (i == hi) continue;
        for (int d = 0; d < dim; ++d) centroid[d] += simplex[i][d] / dim;
      }
      auto along = [&](double t, double* out) {
        for (int d = 0; d < dim; ++d) out[d] = centroid[d] + t * (simplex[hi][d] - centroid[d]);
        ++evaluation;
        return grid.error(unpack(out));
      };
      auto replace = [&](const double* x, double f) {
        for (int d = 0; d < dim; ++d) simplex[hi][d] = x[d];
        value[hi] = f;
      };
      double reflected[kMaxDim], trial[kMaxDim];
      const double f_reflected = along(-1.0, reflected);
      if (f_reflected < value[lo]) {
        const double f_expanded = along(-2.0, trial);
        if (f_expanded < f_reflected)
          replace(trial, f_expanded);
        else
          replace(reflected, f_reflected);
      } else if (f_reflected < value[next_hi]) {
        replace(reflected, f_reflected);
      } else {
        const double f_contracted = along(0.5, trial);
        if (f_contracted < value[hi]) {
          replace(trial, f_contracted);
        } else {
          for (int i = 0; i <= dim; ++i) {
            if (i == lo) continue;
            for (int d = 0; d < dim; ++d)
              simplex[i][d] = simplex[lo][d] + 0.5 * (simplex[i][d] - simplex[lo][d]);
            value[i] = grid.error(unpack(simplex[i]));
            ++evaluation;
          }
        }
      }
    }
    lo = 0;
    for (int i = 1; i <= dim; ++i) {
      if (value[i] < value[lo]) lo = i;
    }
    if (value[lo] < best) {
      best = value[lo];
      for (int d = 0; d < dim; ++d) origin[d] = simplex[lo][d];
    }
  }
  return best < start_error ? unpack(origin) : start;
}

// A pair of second-order sections fitted together to the prototype (Gauss-
// Newton with Levenberg-Marquardt damping on ln |H|^2, then Lawson's
// reweighting towards the smallest largest error). For the bells and shelves
// one section cannot follow: a skirt that still rises or falls at Nyquist
// asks for a magnitude that one section's rational function of tan^2(w/2)
// cannot bend into, while two can. The pair keeps the section form of the
// header, so every step of the fit is stable and minimum phase.
class SectionPairFit {
 public:
  static constexpr int kParams = 10;  // per section: ln v, ln a, ln b, ln G1, ln G0

  SectionPairFit(const CheckGrid& grid) noexcept : grid_(grid) {
    for (int k = 0; k < grid.count; ++k) lawson_[k] = grid.weight[k] * grid.weight[k];
  }

  // `first`: the single-section design; the second section starts as an
  // identity centred on the top of the audio band, where the first fails.
  void fit(const Blt& first, double w_top, Blt (&out)[2]) noexcept {
    pack(first, x_);
    Blt second;
    second.v = tan2_half(w_top);
    second.a = second.b = std::sqrt(second.v);  // identity: numerator equals denominator
    pack(second, x_ + kParams / 2);
    for (int round = 0; round < kLawsonRounds; ++round) {
      least_squares(kIterationsPerRound);
      if (!reweight()) break;
    }
    out[0] = unpack(x_);
    out[1] = unpack(x_ + kParams / 2);
  }

 private:
  static constexpr int kLawsonRounds = 12;
  static constexpr double kGoodEnough = 0.01 * kNepersPerDb;
  static constexpr int kIterationsPerRound = 8;
  static constexpr int kPoints = CheckGrid::kPoints;

  static void pack(const Blt& p, double* x) noexcept {
    x[0] = std::log(p.v);
    x[1] = std::log(p.a);
    x[2] = std::log(std::max(p.b, 1e-9));
    x[3] = std::log(std::max(p.g1, 1e-9));
    x[4] = std::log(p.g0);
  }
  static Blt unpack(const double* x) noexcept {
    return {std::exp(x[4]), std::exp(x[3]), std::exp(x[0]), std::exp(x[1]), std::exp(x[2]), false};
  }

  // Residuals ln |H|^2 - target at every grid point, and (if `jacobian`) their
  // derivatives by the ten parameters. Returns the weighted sum of squares.
  double evaluate(const double* x, double* residual, double (*jacobian)[kParams]) const noexcept {
    double values[kParams];
    for (int i = 0; i < kParams; ++i) values[i] = std::exp(x[i]);
    double sum = 0.0;
    for (int k = 0; k < grid_.count; ++k) {
      const double u = grid_.u[k];
      double r = -grid_.target_log[k];
      for (int s = 0; s < 2; ++s) {
        const double* p = values + s * (kParams / 2);
        const double v = p[0], a = p[1], b = p[2], g1 = p[3], g0 = p[4];
        const double e = g0 * v - g1 * u;
        const double num = e * e + b * b * u;
        const double den = (v - u) * (v - u) + a * a * u;
        r += std::log(num / den);
        if (jacobian != nullptr) {
          double* j = jacobian[k] + s * (kParams / 2);
          j[0] = v * (2.0 * g0 * e / num - 2.0 * (v - u) / den);
          j[1] = -2.0 * a * a * u / den;
          j[2] = 2.0 * b * b * u / num;
          j[3] = -2.0 * g1 * u * e / num;
          j[4] = 2.0 * g0 * v * e / num;
        }
      }
      residual[k] = r;
      sum += lawson_[k] * r * r;
    }
    return std::isfinite(sum) ? sum : INFINITY;
  }

  void least_squares(int iterations) noexcept {
    double cost = evaluate(x_, residual_, jacobian_);
    for (int it = 0; it < iterations; ++it) {
      // Normal equations J^T W J dx = -J^T W r.
      double jtj[kParams][kParams] = {}, jtr[kParams] = {};
      for (int k = 0; k < grid_.count; ++k) {
        for (int i = 0; i < kParams; ++i) {
          const double wj = lawson_[k] * jacobian_[k][i];
          jtr[i] += wj * residual_[k];
          for (int j = 0; j <= i; ++j) jtj[i][j] += wj * jacobian_[k][j];
        }
      }
      bool improved = false;
      while (damping_ < 1e8) {
        double m[kParams][kParams], step[kParams];
        for (int i = 0; i < kParams; ++i) {
          for (int j = 0; j <= i; ++j) m[i][j] = m[j][i] = jtj[i][j];
          m[i][i] += damping_ * (jtj[i][i] + 1e-12);
          step[i] = -jtr[i];
        }
        if (solve(m, step)) {
          double trial[kParams];
          for (int i = 0; i < kParams; ++i) trial[i] = x_[i] + step[i];
          const double trial_cost = evaluate(trial, trial_residual_, nullptr);
          if (trial_cost < cost) {
            std::copy(trial, trial + kParams, x_);
            damping_ = std::max(damping_ * 0.3, 1e-9);
            improved = true;
            break;
          }
        }
        damping_ *= 4.0;
      }
      if (!improved) return;
      cost = evaluate(x_, residual_, jacobian_);
    }
  }

  // Lawson: weights grow where the error is largest. False once the largest
  // error stops moving.
  bool reweight() noexcept {
    double total = 0.0, largest = 0.0;
    for (int k = 0; k < grid_.count; ++k) {
      const double e = std::fabs(residual_[k]) * grid_.weight[k];
      lawson_[k] *= e + 1e-12;
      total += lawson_[k];
      largest = std::max(largest, e);
    }
    if (!(total > 0.0)) return false;
    for (int k = 0; k < grid_.count; ++k) lawson_[k] /= total;
    // Far inside the tolerance, or no longer moving: done.
    const bool moving =
        largest > kGoodEnough && std::fabs(largest - last_largest_) > 1e-3 * largest;
    last_largest_ = largest;
    damping_ = 1e-3;
    return moving;
  }

  // Cholesky of a symmetric positive definite matrix, in place; `b` becomes the solution.
  static bool solve(double (&m)[kParams][kParams], double (&b)[kParams]) noexcept {
    for (int i = 0; i < kParams; ++i) {
      for (int j = 0; j <= i; ++j) {
        double sum = m[i][j];
        for (int k = 0; k < j; ++k) sum -= m[i][k] * m[j][k];
        if (i == j) {
          if (!(sum > 0.0)) return false;
          m[i][i] = std::sqrt(sum);
        } else {
          m[i][j] = sum / m[j][j];
        }
      }
    }
    for (int i = 0; i < kParams; ++i) {
      for (int k = 0; k < i; ++k) b[i] -= m[i][k] * b[k];
      b[i] /= m[i][i];
    }
    for (int i = kParams - 1; i >= 0; --i) {
      for (int k = i + 1; k < kParams; ++k) b[i] -= m[k][i] * b[k];
      b[i] /= m[i][i];
    }
    return true;
  }

  const CheckGrid& grid_;
  double x_[kParams] = {};
  double lawson_[kPoints] = {};
  double residual_[kPoints] = {}, trial_residual_[kPoints] = {};
  double jacobian_[kPoints][kParams] = {};
  double damping_ = 1e-3;
  double last_largest_ = INFINITY;
};

// One second-order section that misses the prototype by more than
// kPairThresholdDb becomes a fitted pair, if the pair is closer.
void fit_pair_if_better(const AnalogSection& s, double q, double rate, const Blt& single,
                        EqSections& out) noexcept {
  const CheckGrid grid(s, q, rate);
  const double single_error = grid.error(single);
  if (single_error <= kPairThresholdDb * kNepersPerDb) return;
  // The second section starts as an identity at the top of the audio band;
  // should that fit fail (it can run off for a steep shelf), it starts again
  // halfway to the first section's centre, then at that centre.
  const double w_top = std::min(2.0 * kPi * 20000.0 / rate, 0.95 * kPi);
  double best_error = single_error;
  for (const double w_start : {w_top, std::sqrt(w_top * std::min(s.w0, w_top)), std::min(s.w0, w_top)}) {
    Blt pair[2];
    SectionPairFit(grid).fit(single, w_start, pair);
    CheckGrid with_first = grid;
    with_first.set_base(pair[0]);
    const double error = with_first.error(pair[1]);
    if (!pair[0].valid() || !(error < best_error)) continue;
    best_error = error;
    out.count = 2;
    out.sections[0] = pair[0].coefficients();
    out.sections[1] = pair[1].coefficients();
    if (best_error <= kPairThresholdDb * kNepersPerDb) return;
  }
}

double clamp_frequency(double freq_hz, double rate) noexcept {
  return std::clamp(freq_hz, 1.0, max_band_frequency(rate));
}

}  // namespace

double max_band_frequency(double rate) noexcept { return 0.45 * rate; }

bool is_neutral(const EqBandShape& band) noexcept {
  switch (band.type) {
    case EqBandType::bell:
    case EqBandType::low_shelf:
    case EqBandType::high_shelf:
    case EqBandType::tilt:
      return band.gain_db == 0.0;
    case EqBandType::low_cut:
    case EqBandType::high_cut:
      return false;
  }
  return false;
}

double AnalogSection::magnitude2(double w) const noexcept {
  const double x = w / w0;
  if (first_order()) {
    return (n0 * n0 + n1 * n1 * x * x) / (d0 * d0 + d1 * d1 * x * x);
  }
  const double num_re = n0 - n2 * x * x, num_im = n1 * x;
  const double den_re = d0 - d2 * x * x, den_im = d1 * x;
  return (num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im);
}

double AnalogPrototype::magnitude2(double w) const noexcept {
  double m = 1.0;
  for (int i = 0; i < count; ++i) m *= sections[static_cast<std::size_t>(i)].magnitude2(w);
  return m;
}

AnalogPrototype analog_prototype(const EqBandShape& band, double rate) noexcept {
  AnalogPrototype proto;
  if (is_neutral(band)) return proto;
  const double w0 = 2.0 * kPi * clamp_frequency(band.freq_hz, rate) / rate;
  const double q = std::max(band.q, 1e-3);
  const double a = std::pow(10.0, band.gain_db / 40.0);  // sqrt of the linear gain
  const double sqrt_a = std::sqrt(a);
  auto add = [&](AnalogSection s) {
    s.w0 = w0;
    proto.sections[static_cast<std::size_t>(proto.count++)] = s;
  };
  switch (band.type) {
    // The RBJ cookbook's analog prototypes (Bristow-Johnson, "Cookbook
    // formulae for audio EQ biquad filter coefficients"): peak gain A^2,
    // shelves A^2 at the far end and A at w0.
    case EqBandType::bell:
      add({1.0, a / q, 1.0, 1.0, 1.0 / (a * q), 1.0});
      break;
    case EqBandType::low_shelf:
      add({a, a * sqrt_a / q, a * a, a, sqrt_a / q, 1.0});
      break;
    case EqBandType::high_shelf:
      add({a * a, a * sqrt_a / q, a, 1.0, sqrt_a / q, a});
      break;
    // First-order shelf around a 0 dB pivot: -gain below, +gain above.
    case EqBandType::tilt: {
      const double g = a * a;
      add({0.0, g, 1.0, 0.0, 1.0, g});
      break;
    }
    // Butterworth of order n = slope / 6: pole pairs with
    // Q_k = 1 / (2 sin((2k + 1) pi / (2n))), plus a real pole for odd n.
    case EqBandType::low_cut:
    case EqBandType::high_cut: {
      const int order = std::clamp(band.slope_db_per_octave / 6, 1, 2 * kMaxEqSections);
      const bool high_pass = band.type == EqBandType::low_cut;
      for (int k = 0; k < order / 2; ++k) {
        const double qk = 1.0 / (2.0 * std::sin((2 * k + 1) * kPi / (2.0 * order)));
        if (high_pass)
          add({1.0, 0.0, 0.0, 1.0, 1.0 / qk, 1.0});
        else
          add({0.0, 0.0, 1.0, 1.0, 1.0 / qk, 1.0});
      }
      if (order % 2 == 1) {
        if (high_pass)
          add({0.0, 1.0, 0.0, 0.0, 1.0, 1.0});
        else
          add({0.0, 0.0, 1.0, 0.0, 1.0, 1.0});
      }
      break;
    }
  }
  return proto;
}

double analog_magnitude(const EqBandShape& band, double rate, double freq_hz) noexcept {
  const AnalogPrototype proto = analog_prototype(band, rate);
  return std::sqrt(proto.magnitude2(2.0 * kPi * freq_hz / rate));
}

EqSections design_matched(const EqBandShape& band, double rate) noexcept {
  const AnalogPrototype proto = analog_prototype(band, rate);
  EqSections out;
  out.count = proto.count;
  for (int i = 0; i < proto.count; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    out.sections[idx] =
        design_section_matched(proto.sections[idx], band.type, band.q).coefficients();
  }
  return out;
}

EqSections design_refined(const EqBandShape& band, double rate) noexcept {
  const AnalogPrototype proto = analog_prototype(band, rate);
  EqSections out;
  out.count = proto.count;
  Blt refined[kMaxEqSections];
  for (int i = 0; i < proto.count; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    const Blt start = design_section_matched(proto.sections[idx], band.type, band.q);
    refined[i] = refine_section(proto.sections[idx], band.type, band.q, start, rate);
    out.sections[idx] = refined[i].coefficients();
  }
  if (proto.count == 1 && !refined[0].first_order)
    fit_pair_if_better(proto.sections[0], band.q, rate, refined[0], out);
  return out;
}

}  // namespace lacquer::dsp
