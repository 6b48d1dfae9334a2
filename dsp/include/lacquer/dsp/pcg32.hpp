// PCG32 (XSH-RR 64/32): a small, fast, statistically strong generator with
// independent streams (M. E. O'Neill, "PCG: A Family of Simple Fast
// Space-Efficient Statistically Good Algorithms for Random Number Generation",
// HMC-CS-2014-0905). Deterministic for a given seed and stream, so a dithered
// render reproduces bit for bit; one stream per channel keeps the channels'
// noise uncorrelated.
#pragma once

#include <cstdint>

namespace lacquer::dsp {

class Pcg32 {
 public:
  Pcg32() noexcept { seed(0, 0); }
  Pcg32(std::uint64_t seed_value, std::uint64_t stream) noexcept { seed(seed_value, stream); }

  // The reference pcg32_srandom_r initialisation.
  void seed(std::uint64_t seed_value, std::uint64_t stream) noexcept {
    state_ = 0;
    increment_ = (stream << 1u) | 1u;
    next();
    state_ += seed_value;
    next();
  }

  std::uint32_t next() noexcept {
    const std::uint64_t old = state_;
    state_ = old * kMultiplier + increment_;
    const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rotation = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rotation) | (xorshifted << ((32u - rotation) & 31u));
  }

  // Uniform on [0, 1), exactly a multiple of 2^-32.
  double uniform() noexcept { return static_cast<double>(next()) * 0x1p-32; }

 private:
  static constexpr std::uint64_t kMultiplier = 6364136223846793005ull;
  std::uint64_t state_ = 0;
  std::uint64_t increment_ = 1;
};

}  // namespace lacquer::dsp
