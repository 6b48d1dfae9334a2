#include <lacquer/dsp/dither.hpp>

#include <algorithm>
#include <cmath>

namespace lacquer::dsp {
namespace {

constexpr std::string_view kTypes[] = {"none", "rectangular", "tpdf", "shaped"};
constexpr std::string_view kCurves[] = {"gentle", "medium", "aggressive"};

// clang-format off
constexpr Param kParams[] = {
    {.symbol = "bits", .label = "Word length",
     .doc = "Bits of the output word; every output sample lies on the grid of a signed integer "
            "of this length.",
     .unit = Unit::bits, .min = 8, .max = 24, .def = 16},
    {.symbol = "type", .label = "Dither",
     .doc = "none: plain rounding; rectangular: 1 LSB uniform dither; tpdf: 2 LSB triangular "
            "dither, white noise free of distortion and noise modulation; shaped: TPDF with "
            "psychoacoustic noise shaping.",
     .unit = Unit::choice, .min = 0, .max = 3, .def = 2, .choices = kTypes},
    {.symbol = "shape", .label = "Noise shaping",
     .doc = "Curve of the shaped type: gentle (Wannamaker 3-tap F-weighted, total noise +6.6 dB), "
            "medium (Lipshitz 5-tap E-weighted, +12 dB), aggressive (Wannamaker 9-tap "
            "F-weighted, +18 dB). Designed for 44.1 and 48 kHz; plain TPDF at other rates.",
     .unit = Unit::choice, .min = 0, .max = 2, .def = 0, .choices = kCurves},
    {.symbol = "auto_blank", .label = "Auto-blank",
     .doc = "Digital silence in gives digital silence out: after 5 ms of exact zeros a channel "
            "stops dithering until its input moves again.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 1},
    {.symbol = "seed", .label = "Seed",
     .doc = "Seed of the dither generator: the same seed renders the same output bit for bit.",
     .unit = Unit::count, .min = 0, .max = 16777215, .def = 0},
};
// clang-format on
static_assert(std::size(kParams) == Dither::kCount);

constexpr int kLv2Channels[] = {2, 1};

constexpr StageInfo kInfo{
    .symbol = "dither",
    .name = "Lacquer Dither",
    .summary =
        "Word-length reduction to 8-24 bits with rectangular, TPDF or noise-shaped TPDF "
        "dither, auto-blank and a reproducible seed",
    .lv2_class = "ConverterPlugin",
    .gst_klass = "Filter/Converter/Audio",
    .example =
        "gst-launch-1.0 filesrc location=master.wav ! wavparse ! audioconvert ! "
        "masterdither bits=16 type=shaped ! wavenc ! filesink location=cd.wav",
    .params = kParams,
    .min_channels = 1,
    .max_channels = kMaxChannels,
    .lv2_channels = kLv2Channels,
    .min_rate = 22050,
    .max_rate = 192000,
    .quantiser = true,
};

// Round to nearest (ties to even) by the 1.5 * 2^52 trick: adding it pushes
// the fraction out of the double's mantissa under the default rounding mode.
// Exact for |x| < 2^51, and a couple of adds where std::nearbyint would be a
// library call on baseline x86-64. (Would be folded away under -ffast-math,
// which this project does not use.)
inline double round_to_integer(double x) noexcept {
  constexpr double kShift = 0x1.8p52;
  return (x + kShift) - kShift;
}

}  // namespace

const StageInfo& dither_info() noexcept { return kInfo; }

Dither::Dither() : Stage(kInfo) {}

void Dither::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  channels_ = std::clamp(spec.channels, 1, kMaxChannels);
  blank_frames_ = std::max(1, static_cast<int>(std::lround(kBlankMs * 1e-3 * spec.sample_rate)));
  reset();
}

void Dither::reset() noexcept {
  seed_ = static_cast<std::uint32_t>(param(kSeed));
  reseed(seed_);
  clear_errors();
  // A stream that starts in silence is blanked from its first frame.
  for (Channel& channel : channels_state_) channel.silent_frames = blank_frames_;
}

std::span<const double> Dither::shaping_taps(NoiseShapingCurve curve) const noexcept {
  return noise_shaping_taps(curve, sample_rate_);
}

void Dither::reseed(std::uint32_t seed) noexcept {
  for (std::size_t c = 0; c < channels_state_.size(); ++c) channels_state_[c].rng.seed(seed, c);
}

void Dither::clear_errors() noexcept {
  for (Channel& channel : channels_state_) channel.error.fill(0.0);
}

void Dither::process(float* const* audio, int frames) noexcept {
  const int bits = static_cast<int>(param(kBits));
  const auto type = static_cast<DitherType>(static_cast<int>(param(kType)));
  const auto curve = static_cast<NoiseShapingCurve>(static_cast<int>(param(kShape)));
  const bool auto_blank = param(kAutoBlank) > 0.5f;
  const auto seed = static_cast<std::uint32_t>(param(kSeed));
  if (seed != seed_) {
    seed_ = seed;
    reseed(seed);
  }

  const std::span<const double> taps =
      type == DitherType::shaped ? shaping_taps(curve) : std::span<const double>{};
  // The feedback history only means something to the filter and the grid
  // that made it.
  if (taps.data() != active_taps_ || bits != active_bits_) {
    clear_errors();
    active_taps_ = taps.data();
    active_bits_ = bits;
  }

  const double scale = std::ldexp(1.0, bits - 1);
  const Grid grid{scale, -scale, scale - 1.0};
  // Zero-padded to the longest filter, so any order can run as the longest.
  std::array<double, kMaxNoiseShapingTaps> padded{};
  std::copy_n(taps.begin(), std::min(taps.size(), padded.size()), padded.begin());
  for (int c = 0; c < channels_; ++c) {
    Channel& channel = channels_state_[static_cast<std::size_t>(c)];
    float* samples = audio[c];
    switch (type) {
      case DitherType::none:
        quantise<DitherType::none, 0>(channel, samples, frames, grid, padded, auto_blank);
        break;
      case DitherType::rectangular:
        quantise<DitherType::rectangular, 0>(channel, samples, frames, grid, padded, auto_blank);
        break;
      case DitherType::tpdf:
        quantise<DitherType::tpdf, 0>(channel, samples, frames, grid, padded, auto_blank);
        break;
      case DitherType::shaped:
        // The filter's order is a template argument, so its state lives in
        // registers. No design at this rate: plain TPDF (noise_shaping.hpp).
        switch (taps.size()) {
          case 0:
            quantise<DitherType::tpdf, 0>(channel, samples, frames, grid, padded, auto_blank);
            break;
          case 3:
            quantise<DitherType::shaped, 3>(channel, samples, frames, grid, padded, auto_blank);
            break;
          case 5:
            quantise<DitherType::shaped, 5>(channel, samples, frames, grid, padded, auto_blank);
            break;
          default:
            quantise<DitherType::shaped, kMaxNoiseShapingTaps>(channel, samples, frames, grid,
                                                               padded, auto_blank);
            break;
        }
        break;
    }
  }
}

// Legend, all in LSB units of the target grid:
//   wanted  the input plus the error feedback: what the quantiser should hit
//   q       wanted + dither, rounded (before saturation)
//   error   q - wanted: rounding error plus dither, white for TPDF; fed back
//           through the taps so the output error is error * NTF(z)
template <DitherType kKind, std::size_t kOrder>
void Dither::quantise(Channel& channel, float* samples, int frames, const Grid& grid,
                      const std::array<double, kMaxNoiseShapingTaps>& taps,
                      bool auto_blank) const noexcept {
  static_assert(kOrder <= kMaxNoiseShapingTaps);
  std::array<double, kOrder> error{};
  std::array<double, kOrder> coefficient{};
  std::copy_n(channel.error.begin(), kOrder, error.begin());
  std::copy_n(taps.begin(), kOrder, coefficient.begin());
  Pcg32 rng = channel.rng;
  int silent = channel.silent_frames;
  const double inverse_scale = 1.0 / grid.scale;

  for (int i = 0; i < frames; ++i) {
    const float in = samples[i];
    if (auto_blank && in == 0.0f) {
      if (silent < blank_frames_ && ++silent == blank_frames_) error.fill(0.0);
      if (silent == blank_frames_) {
        samples[i] = 0.0f;  // exact zero stays exact zero (and -0 becomes +0)
        continue;
      }
    } else {
      silent = 0;
    }

    // Beyond +-2 full scale the output saturates anyway; the bound keeps the
    // rounding trick exact and the feedback error small.
    double wanted = std::clamp(static_cast<double>(in), -2.0, 2.0) * grid.scale;
    if constexpr (kKind == DitherType::shaped) {
      // Oldest first: only the last term waits for the previous sample.
      double feedback = 0.0;
      for (std::size_t k = kOrder; k-- > 0;) feedback += coefficient[k] * error[k];
      wanted -= feedback;
    }

    double dither = 0.0;
    if constexpr (kKind == DitherType::rectangular) {
      dither = rng.uniform() - 0.5;
    } else if constexpr (kKind == DitherType::tpdf || kKind == DitherType::shaped) {
      dither = rng.uniform() + rng.uniform() - 1.0;
    }
    const double q = round_to_integer(wanted + dither);

    if constexpr (kKind == DitherType::shaped) {
      // The unsaturated error keeps the loop stable when the output clips.
      for (std::size_t k = kOrder - 1; k > 0; --k) error[k] = error[k - 1];
      error[0] = q - wanted;
    }
    samples[i] = static_cast<float>(std::clamp(q, grid.lowest, grid.highest) * inverse_scale);
  }

  std::copy_n(error.begin(), kOrder, channel.error.begin());
  channel.rng = rng;
  channel.silent_frames = silent;
}

}  // namespace lacquer::dsp
