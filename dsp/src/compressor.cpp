#include <lacquer/dsp/compressor.hpp>
#include <lacquer/dsp/crossover.hpp>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace lacquer::dsp {
namespace {

constexpr std::string_view kDetectorChoices[] = {"peak", "rms"};
constexpr std::string_view kModeChoices[] = {"stereo", "mid_side"};
constexpr float kSmoothingMs = 20.0f;

constexpr Param kParams[] = {
    {.symbol = "threshold", .label = "Threshold",
     .doc = "Detector level above which the gain is reduced.",
     .unit = Unit::dbfs, .min = -60, .max = 0, .def = -18, .smoothing_ms = kSmoothingMs},
    {.symbol = "ratio", .label = "Ratio",
     .doc = "Input dB above the threshold per output dB; 100 means infinite (limiting).",
     .unit = Unit::ratio, .min = 1, .max = 100, .def = 2, .taper = Taper::log, .smoothing_ms = kSmoothingMs},
    {.symbol = "knee", .label = "Knee",
     .doc = "Width of the soft knee centred on the threshold (quadratic, Giannoulis et al., JAES 2012); 0 is a hard knee.",
     .unit = Unit::db, .min = 0, .max = 24, .def = 6, .smoothing_ms = kSmoothingMs},
    {.symbol = "attack", .label = "Attack",
     .doc = "Time for the gain reduction to cover 63 % of a step up in detector level.",
     .unit = Unit::ms, .min = 0.05f, .max = 500, .def = 10, .taper = Taper::log},
    {.symbol = "release", .label = "Release",
     .doc = "Time for the gain reduction to cover 63 % of a step down in detector level (the peak "
            "detector holds a peak for its window first).",
     .unit = Unit::ms, .min = 1, .max = 5000, .def = 150, .taper = Taper::log},
    {.symbol = "auto_release", .label = "Auto release",
     .doc = "Program-dependent release: short peaks recover at the release time, sustained gain "
            "reduction five times slower.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0},
    {.symbol = "makeup", .label = "Make-up gain",
     .doc = "Gain added after compression.",
     .unit = Unit::db, .min = -24, .max = 24, .def = 0, .smoothing_ms = kSmoothingMs},
    {.symbol = "auto_makeup", .label = "Auto make-up",
     .doc = "Adds the gain reduction the curve gives a 0 dBFS level, on top of the make-up gain.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0},
    {.symbol = "detector", .label = "Detector",
     .doc = "Level the compressor reacts to: peak or RMS over the detector window.",
     .unit = Unit::choice, .min = 0, .max = 1, .def = 0, .choices = kDetectorChoices},
    {.symbol = "window", .label = "Detector window",
     .doc = "Length of the peak or RMS window; below half a period of the lowest tone the gain follows its waveform.",
     .unit = Unit::ms, .min = 0, .max = 100, .def = 10},
    {.symbol = "link", .label = "Stereo link",
     .doc = "How far each channel's detector follows the loudest channel: 0 independent, 100 fully linked.",
     .unit = Unit::percent, .min = 0, .max = 100, .def = 100, .smoothing_ms = kSmoothingMs},
    {.symbol = "mode", .label = "Mode",
     .doc = "Compress left/right, or mid and side (stereo input only).",
     .unit = Unit::choice, .min = 0, .max = 1, .def = 0, .choices = kModeChoices},
    {.symbol = "sidechain_hpf", .label = "Sidechain high-pass",
     .doc = "Cutoff of the 12 dB/octave high-pass in front of the detector; 0 turns it off.",
     .unit = Unit::hz, .min = 0, .max = 1000, .def = 0},
    {.symbol = "mix", .label = "Mix",
     .doc = "Share of compressed signal in the output (parallel compression); 100 is fully compressed.",
     .unit = Unit::percent, .min = 0, .max = 100, .def = 100, .smoothing_ms = kSmoothingMs},
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
