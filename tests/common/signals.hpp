// Test signals and measurements shared by every test layer.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace lacquer::test {

// Planar audio: audio[channel][frame].
using Planar = std::vector<std::vector<float>>;

inline double db_to_linear(double db) { return std::pow(10.0, db / 20.0); }
inline double linear_to_db(double x) { return 20.0 * std::log10(x); }

// A sine whose peak is `dbfs` (EBU Tech 3341 levels are peak levels of sines).
inline std::vector<float> sine(double rate, double freq, double dbfs, std::size_t frames,
                               double phase = 0.0) {
  std::vector<float> out(frames);
  const double amp = db_to_linear(dbfs);
  for (std::size_t i = 0; i < frames; ++i) {
    out[i] = static_cast<float>(amp * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate + phase));
  }
  return out;
}

inline std::vector<float> white_noise(std::size_t frames, double dbfs_rms, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0.0, db_to_linear(dbfs_rms));
  std::vector<float> out(frames);
  for (auto& x : out) x = static_cast<float>(gauss(rng));
  return out;
}

inline void append(std::vector<float>& to, const std::vector<float>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

inline double rms(const std::vector<float>& x, std::size_t begin = 0, std::size_t end = SIZE_MAX) {
  end = std::min(end, x.size());
  double sum = 0.0;
  for (std::size_t i = begin; i < end; ++i) sum += double(x[i]) * double(x[i]);
  return end > begin ? std::sqrt(sum / double(end - begin)) : 0.0;
}

inline double peak(const std::vector<float>& x) {
  double p = 0.0;
  for (float v : x) p = std::max(p, std::fabs(double(v)));
  return p;
}

// The largest |delayed[c][i + latency] - reference[c][i]| over every channel,
// for reference frames `from` on: how far a latency-delayed output is from
// another face's (or from its own input).
inline double max_difference_delayed(const Planar& delayed, const Planar& reference,
                                     std::size_t latency, std::size_t from = 0) {
  double worst = 0.0;
  for (std::size_t c = 0; c < std::min(delayed.size(), reference.size()); ++c) {
    for (std::size_t i = from; i < reference[c].size() && i + latency < delayed[c].size(); ++i) {
      worst = std::max(worst, std::fabs(double(delayed[c][i + latency]) - reference[c][i]));
    }
  }
  return worst;
}

}  // namespace lacquer::test
