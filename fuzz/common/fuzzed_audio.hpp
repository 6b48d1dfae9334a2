// Audio and control values drawn from a fuzzer's input, shared by the
// targets that drive stages (directly, or through a face).
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <lacquer/dsp/param.hpp>
#include <lacquer/dsp/pcg32.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

namespace lacquer::fuzz {

// Values that break careless arithmetic: non-finite, denormal, huge, and the
// edges of the float range.
inline constexpr std::array<float, 14> kHostileSamples = {
    std::numeric_limits<float>::quiet_NaN(),
    std::numeric_limits<float>::infinity(),
    -std::numeric_limits<float>::infinity(),
    std::numeric_limits<float>::denorm_min(),
    -std::numeric_limits<float>::denorm_min(),
    1e-39f,  // denormal
    std::numeric_limits<float>::max(),
    std::numeric_limits<float>::lowest(),
    1e30f,
    -1e30f,
    1.0f,
    -1.0f,
    0.0f,
    -0.0f,
};

// Fills `channels` planar buffers of `frames` samples with one of: raw float
// bit patterns from the input (tiled), a random mix of hostile values,
// full-scale (or scaled) white noise, silence, or a full-scale sine.
inline void fill_block(FuzzedDataProvider& in, std::vector<std::vector<float>>& audio,
                       int frames) {
  enum Kind : std::uint8_t { raw, hostile, noise, silence, sine, kinds };
  const auto kind = static_cast<Kind>(in.ConsumeIntegral<std::uint8_t>() % kinds);
  const auto seed = in.ConsumeIntegral<std::uint32_t>();
  // Scale of noise and sine: full scale, denormal, far above full scale.
  constexpr std::array<float, 4> kScales = {1.0f, 1e-40f, 1e6f, 1e30f};
  const float scale = kScales[in.ConsumeIntegral<std::uint8_t>() % kScales.size()];
  dsp::Pcg32 rng(seed, 54u);
  const auto n = static_cast<std::size_t>(frames);
  switch (kind) {
    case raw: {
      const std::size_t words = std::min<std::size_t>(in.remaining_bytes() / 4, 256);
      std::vector<float> pattern(words);
      for (float& x : pattern) x = std::bit_cast<float>(in.ConsumeIntegral<std::uint32_t>());
      if (pattern.empty()) pattern.push_back(0.0f);
      std::size_t k = 0;
      for (auto& channel : audio) {
        for (std::size_t i = 0; i < n; ++i) channel[i] = pattern[k++ % pattern.size()];
      }
      break;
    }
    case hostile:
      for (auto& channel : audio) {
        for (std::size_t i = 0; i < n; ++i) {
          // Mostly ordinary noise, with hostile values sprinkled in.
          const std::uint32_t r = rng.next();
          channel[i] = (r & 7u) == 0 ? kHostileSamples[(r >> 3) % kHostileSamples.size()]
                                     : static_cast<float>(rng.uniform() * 2.0 - 1.0);
        }
      }
      break;
    case noise:
      for (auto& channel : audio) {
        for (std::size_t i = 0; i < n; ++i) {
          channel[i] = scale * static_cast<float>(rng.uniform() * 2.0 - 1.0);
        }
      }
      break;
    case silence:
      for (auto& channel : audio) std::fill_n(channel.begin(), n, 0.0f);
      break;
    default: {
      // Any frequency up to Nyquist: near it a full-scale sine has inter-sample
      // peaks well above its samples.
      const double cycles_per_sample = 0.5 * rng.uniform();
      const double phase = 2.0 * std::numbers::pi * rng.uniform();
      for (auto& channel : audio) {
        for (std::size_t i = 0; i < n; ++i) {
          channel[i] = scale * static_cast<float>(std::sin(
                                   2.0 * std::numbers::pi * cycles_per_sample * double(i) + phase));
        }
      }
      break;
    }
  }
}

// A value for a control: anything a float can hold (NaN, ±Inf, far outside
// the range), an edge of the range, any point in it, or an enum / toggle /
// trigger index.
inline float control_value(FuzzedDataProvider& in, const dsp::Param& p) {
  switch (in.ConsumeIntegral<std::uint8_t>() % 6) {
    case 0: return std::bit_cast<float>(in.ConsumeIntegral<std::uint32_t>());
    case 1: return kHostileSamples[in.ConsumeIntegral<std::uint8_t>() % kHostileSamples.size()];
    case 2: return p.min;
    case 3: return p.max;
    case 4: return static_cast<float>(in.ConsumeIntegralInRange<int>(-2, 32));
    default:
      return p.min + (p.max - p.min) * in.ConsumeProbability<float>();
  }
}

}  // namespace lacquer::fuzz
