// Requantisation to a shorter word: the last stage before a 16- or 24-bit file.
//
// The output is float, but every sample lies exactly on the grid of a signed
// `bits`-bit integer: k / 2^(bits-1) with k in [-2^(bits-1), 2^(bits-1) - 1].
// Out-of-range input saturates at the grid's ends, never wraps. The faces turn
// those values into S16/S24/S32 words without rounding again.
//
// Dither (Lipshitz, Wannamaker, Vanderkooy, "Quantization and dither: a
// theoretical survey", JAES 40(5), 1992):
//   none         plain rounding: the error is a deterministic function of the
//                signal (distortion; a sine below half an LSB vanishes)
//   rectangular  1 LSB uniform dither: the mean error is signal-free, its power
//                is not (noise modulation); total error 2 Q^2/12
//   tpdf         triangular dither of 2 LSB peak-to-peak: the first two moments
//                of the error are signal-free, the error is white with power
//                3 Q^2/12 = Q^2/4 (4.77 dB above plain rounding's Q^2/12)
//   shaped       TPDF with error feedback through a psychoacoustic filter
//                (noise_shaping.hpp): the white error is filtered by the
//                filter's noise transfer function
//
// Auto-blank: a channel whose input has been exact zeros for kBlankMs stops
// dithering (and clears its error feedback) until its input moves again, so
// digital silence stays digital silence. Each channel dithers from its own
// PCG32 stream of the seed, so renders reproduce bit for bit.
#pragma once

#include <lacquer/dsp/noise_shaping.hpp>
#include <lacquer/dsp/pcg32.hpp>
#include <lacquer/dsp/stage.hpp>

#include <array>
#include <cstdint>
#include <span>

namespace lacquer::dsp {

enum class DitherType : std::uint8_t { none, rectangular, tpdf, shaped };

class Dither final : public Stage {
 public:
  Dither();

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;

  // The noise-shaping taps in use for `curve` at the prepared rate; empty
  // where there is no design for the rate (the shaped type is then plain TPDF).
  std::span<const double> shaping_taps(NoiseShapingCurve curve) const noexcept;

  enum Index : int { kBits, kType, kShape, kAutoBlank, kSeed, kCount };

  static constexpr double kBlankMs = 5.0;

 private:
  struct Channel {
    Pcg32 rng;
    // Last total errors in LSB, newest first (error feedback history).
    std::array<double, kMaxNoiseShapingTaps> error{};
    int silent_frames = 0;  // consecutive exact zeros in, up to blank_frames_
  };
  struct Grid {
    double scale;    // 2^(bits-1): LSBs per full scale
    double lowest;   // -2^(bits-1)
    double highest;  // 2^(bits-1) - 1
  };

  template <DitherType kKind, std::size_t kOrder>
  void quantise(Channel& channel, float* samples, int frames, const Grid& grid,
                const std::array<double, kMaxNoiseShapingTaps>& taps,
                bool auto_blank) const noexcept;
  void reseed(std::uint32_t seed) noexcept;
  void clear_errors() noexcept;

  double sample_rate_ = 48000.0;
  int channels_ = 0;
  int blank_frames_ = 240;
  std::array<Channel, kMaxChannels> channels_state_{};
  std::uint32_t seed_ = 0;
  // The filter and word length the error history belongs to.
  const double* active_taps_ = nullptr;
  int active_bits_ = 0;
};

const StageInfo& dither_info() noexcept;

}  // namespace lacquer::dsp
