#include <lacquer/dsp/compressor_params.hpp>
#include <lacquer/dsp/multiband_compressor.hpp>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace lacquer::dsp {
namespace {

constexpr std::string_view kCrossoverChoices[] = {"iir", "linear"};
namespace cp = compressor_params;
using cp::kSmoothingMs;
constexpr double kSoloFadeMs = 10.0;

constexpr Param kParams[] = {
    {.symbol = "bands", .label = "Bands",
     .doc = "Number of active bands; the first bands-1 split frequencies are used.",
     .unit = Unit::count, .min = 2, .max = 5, .def = 4},
    {.symbol = "crossover", .label = "Crossover",
     .doc = "iir: Linkwitz-Riley 4th order, bands sum to an allpass, no latency; linear: "
            "linear-phase FIR bands that sum to a pure delay (about 48 ms at 48 kHz, reported as latency).",
     .unit = Unit::choice, .min = 0, .max = 1, .def = 0, .choices = kCrossoverChoices},
    {.symbol = "split1", .label = "Split 1", .doc = "Crossover frequency between bands 1 and 2.",
     .unit = Unit::hz, .min = 20, .max = 20000, .def = 120, .taper = Taper::log},
    {.symbol = "split2", .label = "Split 2", .doc = "Crossover frequency between bands 2 and 3.",
     .unit = Unit::hz, .min = 20, .max = 20000, .def = 1000, .taper = Taper::log},
    {.symbol = "split3", .label = "Split 3", .doc = "Crossover frequency between bands 3 and 4.",
     .unit = Unit::hz, .min = 20, .max = 20000, .def = 5000, .taper = Taper::log},
    {.symbol = "split4", .label = "Split 4", .doc = "Crossover frequency between bands 4 and 5.",
     .unit = Unit::hz, .min = 20, .max = 20000, .def = 12000, .taper = Taper::log},
    cp::kMode,
    {.symbol = "lookahead", .label = "Lookahead",
     .doc = "Delay of every band behind its detector; adds the same latency.",
     .unit = Unit::ms, .min = 0, .max = MultibandCompressor::kMaxLookaheadMs, .def = 0},
};
static_assert(std::size(kParams) == MultibandCompressor::kTopCount);

constexpr Param kBandParams[] = {
    cp::kThreshold,
    cp::kRatio,
    cp::kKnee,
    cp::kAttack,
    cp::kRelease,
    cp::kAutoRelease,
    cp::kMakeup,
    cp::kAutoMakeup,
    cp::kDetector,
    cp::kWindow,
    cp::kLink,
    cp::kMix,
    {.symbol = "solo", .label = "Solo",
     .doc = "Hear only the soloed bands.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0, .smoothing_ms = float(kSoloFadeMs)},
    {.symbol = "bypass", .label = "Bypass",
     .doc = "Pass the band uncompressed (it still sums with the others).",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0, .smoothing_ms = kSmoothingMs},
    {.symbol = "gain_reduction", .label = "Gain reduction",
     .doc = "Largest gain reduction of the band in the last processed block.",
     .unit = Unit::db, .min = 0, .max = 60, .def = 0, .direction = Direction::meter},
};
static_assert(std::size(kBandParams) == MultibandCompressor::kBandCount);

constexpr ParamGroup kGroups[] = {
    {.prefix = "band", .label = "Band", .count = MultibandCompressor::kMaxBands, .params = kBandParams},
};

constexpr int kLv2Channels[] = {2, 1};

constexpr StageInfo kInfo{
    .symbol = "mbcomp",
    .name = "Lacquer Multiband Compressor",
    .summary = "Multiband compressor: 2-5 bands, Linkwitz-Riley or linear-phase crossover, "
               "per-band compressor with solo and bypass",
    .lv2_class = "CompressorPlugin",
    .gst_klass = "Filter/Effect/Audio",
    .example = "gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! "
               "mastermbcomp bands=3 split1=150 split2=3000 band1::threshold=-24 band1::ratio=3 ! "
               "audioconvert ! autoaudiosink",
    .params = kParams,
    .groups = kGroups,
    .min_channels = 1,
    .max_channels = kMaxChannels,
    .lv2_channels = kLv2Channels,
};

}  // namespace

const StageInfo& mbcomp_info() noexcept { return kInfo; }

MultibandCompressor::MultibandCompressor() : Stage(kInfo) {}

int MultibandCompressor::lookahead_frames(float ms) const noexcept {
  return static_cast<int>(std::lround(double(std::clamp(ms, 0.0f, kMaxLookaheadMs)) * 1e-3 * spec_.sample_rate));
}

int MultibandCompressor::latency() const noexcept {
  return lookahead_frames(param(kLookahead)) + (linear() ? linear_.latency() : 0);
}

int MultibandCompressor::max_latency() const noexcept {
  return lookahead_frames(kMaxLookaheadMs) + linear_.latency();
}

void MultibandCompressor::prepare(const ProcessSpec& spec) {
  spec_ = spec;
  iir_.prepare(spec.channels, spec.sample_rate);
  linear_.prepare(spec.channels, spec.sample_rate);
  const auto channels = static_cast<std::size_t>(spec.channels);
  const auto block = static_cast<std::size_t>(spec.max_block);
  for (int b = 0; b < kMaxBands; ++b) {
    cores_[static_cast<std::size_t>(b)].prepare(spec.sample_rate, spec.channels, spec.max_block, kSmoothingMs);
    lookahead_[static_cast<std::size_t>(b)].prepare(spec.channels, lookahead_frames(kMaxLookaheadMs),
                                                    static_cast<int>(spec.sample_rate * 0.005));
  }
  band_audio_.assign(kMaxBands, std::vector<std::vector<float>>(channels, std::vector<float>(block, 0.0f)));
  sidechain_.assign(channels, std::vector<float>(block, 0.0f));
  weight_coefficient_ = GainSmoother::coefficient(kSoloFadeMs, spec.sample_rate);
  reset();
}

void MultibandCompressor::reset() noexcept {
  iir_.reset();
  linear_.reset();
  was_linear_ = linear();
  active_bands_ = 0;
  const int lookahead = lookahead_frames(param(kLookahead));
  for (int b = 0; b < kMaxBands; ++b) {
    cores_[static_cast<std::size_t>(b)].reset();
    lookahead_[static_cast<std::size_t>(b)].set_delay(lookahead);
    lookahead_[static_cast<std::size_t>(b)].reset();
  }
  weight_.fill(-1.0f);  // set from the solo switches on the next block
}

void MultibandCompressor::process(float* const* audio, int frames) noexcept {
  const int channels = spec_.channels;
  const int bands = std::clamp(static_cast<int>(param(kBands)), 2, kMaxBands);
  const bool linear_phase = linear();
  const std::array<double, Crossover::kMaxSplits> splits{param(kSplit1), param(kSplit2), param(kSplit3),
                                                        param(kSplit4)};
  if (linear_phase != was_linear_) {
    // The other crossover has been idle: start it from silence.
    if (linear_phase) linear_.reset(); else iir_.reset();
    was_linear_ = linear_phase;
  }
  if (bands != active_bands_) {
    // Bands that come back start from rest.
    for (int b = active_bands_; b < bands; ++b) cores_[static_cast<std::size_t>(b)].reset();
    active_bands_ = bands;
  }

  const bool mid_side = channels == 2 && param(kMode) > 0.5f;
  if (mid_side) {
    for (int i = 0; i < frames; ++i) {
      const float left = audio[0][i], right = audio[1][i];
      audio[0][i] = 0.5f * (left + right);
      audio[1][i] = 0.5f * (left - right);
    }
  }

  // Split.
  float* band_ptr[kMaxBands][kMaxChannels];
  for (int b = 0; b < kMaxBands; ++b) {
    for (int c = 0; c < channels; ++c) band_ptr[b][c] = band_audio_[static_cast<std::size_t>(b)][static_cast<std::size_t>(c)].data();
  }
  if (linear_phase) {
    linear_.set_bands(bands, splits);
    float* const* outs[kMaxBands];
    for (int b = 0; b < kMaxBands; ++b) outs[b] = band_ptr[b];
    linear_.process(audio, outs, frames);
  } else {
    // A moving split frequency glides over 20 ms.
    iir_.set_bands(bands, splits, static_cast<int>(spec_.sample_rate * 0.02));
    for (int c = 0; c < channels; ++c) {
      float* outs[kMaxBands];
      for (int b = 0; b < bands; ++b) outs[b] = band_ptr[b][c];
      iir_.process(c, audio[c], outs, frames);
    }
  }

  // Compress each band.
  bool any_solo = false;
  for (int b = 0; b < bands; ++b) any_solo = any_solo || param(band_param(b, kSolo)) > 0.5f;
  const int lookahead = lookahead_frames(param(kLookahead));
  float* sidechain[kMaxChannels];
  for (int c = 0; c < channels; ++c) sidechain[c] = sidechain_[static_cast<std::size_t>(c)].data();
  for (int b = 0; b < bands; ++b) {
    CompressorSettings s;
    s.threshold_db = param(band_param(b, kThreshold));
    s.ratio = param(band_param(b, kRatio));
    s.knee_db = param(band_param(b, kKnee));
    s.attack_ms = param(band_param(b, kAttack));
    s.release_ms = param(band_param(b, kRelease));
    s.auto_release = param(band_param(b, kAutoRelease)) > 0.5f;
    s.makeup_db = param(band_param(b, kMakeup));
    s.auto_makeup = param(band_param(b, kAutoMakeup)) > 0.5f;
    s.detector = param(band_param(b, kDetector)) > 0.5f ? DetectorMode::rms : DetectorMode::peak;
    s.window_ms = param(band_param(b, kWindow));
    s.link = param(band_param(b, kLink)) * 0.01f;
    // Bypass fades the band's compression out through the mix (smoothed).
    s.mix = param(band_param(b, kBypass)) > 0.5f ? 0.0f : param(band_param(b, kMix)) * 0.01f;
    CompressorCore& core = cores_[static_cast<std::size_t>(b)];
    core.set(s);
    DelayLine& delay = lookahead_[static_cast<std::size_t>(b)];
    delay.set_delay(lookahead);
    if (lookahead > 0 || delay.delay() > 0) {
      for (int c = 0; c < channels; ++c) std::copy_n(band_ptr[b][c], frames, sidechain[c]);
      delay.process(band_ptr[b], channels, frames);
      core.process(sidechain, band_ptr[b], frames);
    } else {
      core.process(band_ptr[b], band_ptr[b], frames);
    }
  }

  // Sum, with solo weights that fade over 10 ms (the same curve on every channel).
  std::array<float, kMaxBands> target{};
  for (int b = 0; b < bands; ++b) {
    const auto k = static_cast<std::size_t>(b);
    target[k] = !any_solo || param(band_param(b, kSolo)) > 0.5f ? 1.0f : 0.0f;
    if (weight_[k] < 0.0f) weight_[k] = target[k];  // first block after reset
  }
  std::array<float, kMaxBands> reached = weight_;
  for (int c = 0; c < channels; ++c) {
    float* out = audio[c];
    std::fill_n(out, frames, 0.0f);
    for (int b = 0; b < bands; ++b) {
      const auto k = static_cast<std::size_t>(b);
      const float* x = band_ptr[b][c];
      float w = weight_[k];
      if (w == 1.0f && target[k] == 1.0f) {
        for (int i = 0; i < frames; ++i) out[i] += x[i];
        continue;
      }
      for (int i = 0; i < frames; ++i) {
        if (w != target[k]) {
          w = target[k] + weight_coefficient_ * (w - target[k]);
          if (std::fabs(w - target[k]) < 1e-6f) w = target[k];
        }
        out[i] += w * x[i];
      }
      reached[k] = w;
    }
  }
  weight_ = reached;

  if (mid_side) {
    for (int i = 0; i < frames; ++i) {
      const float mid = audio[0][i], side = audio[1][i];
      audio[0][i] = mid + side;
      audio[1][i] = mid - side;
    }
  }
}

float MultibandCompressor::meter(int index, int channel) const noexcept {
  if (index < kTopCount) return 0.0f;
  const int band = (index - kTopCount) / kBandCount;
  if ((index - kTopCount) % kBandCount != kGainReduction || band >= active_bands_) return 0.0f;
  return cores_[static_cast<std::size_t>(band)].reduction_db(channel);
}

}  // namespace lacquer::dsp
