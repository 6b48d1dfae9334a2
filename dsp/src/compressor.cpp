#include <lacquer/dsp/compressor.hpp>
#include <lacquer/dsp/compressor_params.hpp>
#include <lacquer/dsp/crossover.hpp>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace lacquer::dsp {
namespace {

namespace cp = compressor_params;
using cp::kSmoothingMs;

constexpr Param kParams[] = {
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
    cp::kMode,
    {.symbol = "sidechain_hpf", .label = "Sidechain high-pass",
     .doc = "Cutoff of the 12 dB/octave high-pass in front of the detector; 0 turns it off.",
     .unit = Unit::hz, .min = 0, .max = 1000, .def = 0},
    cp::kMix,
    {.symbol = "lookahead", .label = "Lookahead",
     .doc = "Delay of the audio behind the detector; adds the same latency.",
     .unit = Unit::ms, .min = 0, .max = Compressor::kMaxLookaheadMs, .def = 0},
    {.symbol = "gain_reduction", .label = "Gain reduction",
     .doc = "Largest gain reduction of the last processed block (per channel: left/right, or mid/side in mid/side mode).",
     .unit = Unit::db, .min = 0, .max = 60, .def = 0, .direction = Direction::meter, .per_channel = true},
};
static_assert(std::size(kParams) == Compressor::kCount);

constexpr int kLv2Channels[] = {2, 1};

constexpr StageInfo kInfo{
    .symbol = "comp",
    .name = "Lacquer Compressor",
    .summary = "Mastering compressor: soft knee, peak or RMS detector, stereo link, mid/side, "
               "sidechain high-pass, parallel mix and lookahead",
    .lv2_class = "CompressorPlugin",
    .gst_klass = "Filter/Effect/Audio",
    .example = "gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! "
               "mastercomp threshold=-20 ratio=3 attack=10 release=150 ! audioconvert ! autoaudiosink",
    .params = kParams,
    .min_channels = 1,
    .max_channels = kMaxChannels,
    .lv2_channels = kLv2Channels,
};

}  // namespace

const StageInfo& comp_info() noexcept { return kInfo; }

Compressor::Compressor() : Stage(kInfo) {}

int Compressor::lookahead_frames(float ms) const noexcept {
  return static_cast<int>(std::lround(double(std::clamp(ms, 0.0f, kMaxLookaheadMs)) * 1e-3 * spec_.sample_rate));
}

int Compressor::latency() const noexcept { return lookahead_frames(param(kLookahead)); }

int Compressor::max_latency() const noexcept { return lookahead_frames(kMaxLookaheadMs); }

void Compressor::prepare(const ProcessSpec& spec) {
  spec_ = spec;
  core_.prepare(spec.sample_rate, spec.channels, spec.max_block, kSmoothingMs);
  // A lookahead change moves the audio in time: crossfade over 5 ms.
  lookahead_.prepare(spec.channels, max_latency(), static_cast<int>(spec.sample_rate * 0.005));
  sidechain_.assign(static_cast<std::size_t>(spec.channels),
                    std::vector<float>(static_cast<std::size_t>(spec.max_block), 0.0f));
  sidechain_hpf_hz_ = -1.0f;
  reset();
}

void Compressor::reset() noexcept {
  core_.reset();
  lookahead_.set_delay(latency());
  lookahead_.reset();
  for (Biquad& f : sidechain_hpf_) f.reset();
}

void Compressor::update_sidechain_filter(float frequency_hz) noexcept {
  if (frequency_hz == sidechain_hpf_hz_) return;
  const bool was_on = sidechain_hpf_hz_ > 0.0f;
  sidechain_hpf_hz_ = frequency_hz;
  if (frequency_hz <= 0.0f) return;
  const BiquadCoefficients hp = LinkwitzRiley4::butterworth_highpass(
      std::min(double(frequency_hz), 0.45 * spec_.sample_rate), spec_.sample_rate);
  for (Biquad& f : sidechain_hpf_) {
    if (was_on) {
      f.ramp_to(hp, static_cast<int>(spec_.sample_rate * 0.01));  // a moving cutoff glides over 10 ms
    } else {
      f.reset();  // switched on: start from rest with the new design
      f.set(hp);
    }
  }
}

void Compressor::process(float* const* audio, int frames) noexcept {
  CompressorSettings s;
  s.threshold_db = param(kThreshold);
  s.ratio = param(kRatio);
  s.knee_db = param(kKnee);
  s.attack_ms = param(kAttack);
  s.release_ms = param(kRelease);
  s.auto_release = param(kAutoRelease) > 0.5f;
  s.makeup_db = param(kMakeup);
  s.auto_makeup = param(kAutoMakeup) > 0.5f;
  s.detector = param(kDetector) > 0.5f ? DetectorMode::rms : DetectorMode::peak;
  s.window_ms = param(kWindow);
  s.link = param(kLink) * 0.01f;
  s.mix = param(kMix) * 0.01f;
  core_.set(s);
  lookahead_.set_delay(latency());
  const float hpf_hz = param(kSidechainHpf);
  update_sidechain_filter(hpf_hz);

  const int channels = spec_.channels;
  // A mode switch restarts nothing: the detectors simply start hearing M and S.
  const bool mid_side = channels == 2 && param(kMode) > 0.5f;
  if (mid_side) {
    for (int i = 0; i < frames; ++i) {
      const float left = audio[0][i], right = audio[1][i];
      audio[0][i] = 0.5f * (left + right);
      audio[1][i] = 0.5f * (left - right);
    }
  }

  float* sidechain[kMaxChannels];
  for (int c = 0; c < channels; ++c) {
    sidechain[c] = sidechain_[static_cast<std::size_t>(c)].data();
    std::copy_n(audio[c], frames, sidechain[c]);
    if (hpf_hz > 0.0f) sidechain_hpf_[static_cast<std::size_t>(c)].process(sidechain[c], frames);
  }
  lookahead_.process(audio, channels, frames);
  core_.process(sidechain, audio, frames);

  if (mid_side) {
    for (int i = 0; i < frames; ++i) {
      const float mid = audio[0][i], side = audio[1][i];
      audio[0][i] = mid + side;
      audio[1][i] = mid - side;
    }
  }
}

float Compressor::meter(int index, int channel) const noexcept {
  if (index == kGainReduction) return core_.reduction_db(channel);
  return 0.0f;
}

}  // namespace lacquer::dsp
