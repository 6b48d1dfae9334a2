#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <lacquer/dsp/loudness_normaliser.hpp>
#include <limits>
#include <new>

namespace lacquer::dsp {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

constexpr std::string_view kSpeedChoices[] = {"broadcast", "radio", "custom"};

constexpr Param kParams[] = {
    {.symbol = "target",
     .label = "Target",
     .doc = "Loudness the output is held at (EBU R128: -23 LUFS, ATSC A/85: -24, streaming: -14 to "
            "-16).",
     .unit = Unit::lufs,
     .min = -36,
     .max = -6,
     .def = -23},
    {.symbol = "ceiling",
     .label = "Ceiling",
     .doc = "Highest true peak of the output (BS.1770 Annex 2).",
     .unit = Unit::dbtp,
     .min = -9,
     .max = 0,
     .def = -1},
    {.symbol = "max_gain",
     .label = "Maximum gain",
     .doc = "Most the normaliser raises a quiet programme.",
     .unit = Unit::db,
     .min = 0,
     .max = 30,
     .def = 12},
    {.symbol = "max_attenuation",
     .label = "Maximum attenuation",
     .doc = "Most the normaliser lowers a loud programme.",
     .unit = Unit::db,
     .min = 0,
     .max = 30,
     .def = 20},
    {.symbol = "speed",
     .label = "Speed",
     .doc = "How closely the gain follows the programme: broadcast (5 dB/s over 10 s, keeps the "
            "loudness range), radio (10 dB/s over 3 s, tight) or custom (the rate below over 3 s).",
     .unit = Unit::choice,
     .min = 0,
     .max = 2,
     .def = 0,
     .choices = kSpeedChoices},
    {.symbol = "rate",
     .label = "Custom rate",
     .doc = "Largest gain change, in dB per second, when speed is custom.",
     .unit = Unit::db,
     .min = 0.1f,
     .max = 20,
     .def = 3,
     .taper = Taper::log},
    {.symbol = "gate",
     .label = "Pause gate",
     .doc = "Input momentary loudness below which the gain holds still (silence, pauses).",
     .unit = Unit::lufs,
     .min = -70,
     .max = -30,
     .def = -50},
    {.symbol = "lookahead",
     .label = "Lookahead",
     .doc = "How far ahead the level is measured; delays the audio by as much.",
     .unit = Unit::s,
     .min = 0,
     .max = 3,
     .def = 1.5f},
    {.symbol = "reset",
     .label = "Reset",
     .doc = "Restarts the level estimate and the integrated output loudness.",
     .unit = Unit::trigger,
     .min = 0,
     .max = 1,
     .def = 0},
    {.symbol = "gain",
     .label = "Gain",
     .doc = "Gain the normaliser applies now.",
     .unit = Unit::db,
     .min = -30,
     .max = 30,
     .def = 0,
     .direction = Direction::meter},
    {.symbol = "momentary",
     .label = "Output momentary loudness",
     .doc = "Loudness of the last 400 ms of output (BS.1770).",
     .unit = Unit::lufs,
     .min = -120,
     .max = 10,
     .def = -120,
     .direction = Direction::meter},
    {.symbol = "short_term",
     .label = "Output short-term loudness",
     .doc = "Loudness of the last 3 s of output (EBU Tech 3341).",
     .unit = Unit::lufs,
     .min = -120,
     .max = 10,
     .def = -120,
     .direction = Direction::meter},
    {.symbol = "integrated",
     .label = "Output integrated loudness",
     .doc = "Gated loudness of the output since the start or the last reset (BS.1770).",
     .unit = Unit::lufs,
     .min = -120,
     .max = 10,
     .def = -120,
     .direction = Direction::meter},
};
static_assert(std::size(kParams) == LoudnessNormaliser::kCount);

constexpr int kLv2Channels[] = {2, 1};

constexpr StageInfo kInfo{
    .symbol = "norm",
    .name = "Lacquer Loudness Normaliser",
    .summary =
        "Live one-pass loudness normaliser: holds a loudness target without pumping, "
        "freezes on pauses, with lookahead and a true-peak ceiling",
    .lv2_class = "DynamicsPlugin",
    .gst_klass = "Filter/Effect/Audio",
    .example =
        "gst-launch-1.0 -m uridecodebin uri=http://radio.example/stream ! audioconvert ! "
        "masternorm target=-23 speed=radio ! audioconvert ! autoaudiosink",
    .params = kParams,
    .min_channels = 1,
    .max_channels = kMaxChannels,
    .lv2_channels = kLv2Channels,
    .min_rate = 22050,
    .max_rate = 192000,
};


double to_energy(double lufs) noexcept { return std::pow(10.0, (lufs + 0.691) / 10.0); }

}  // namespace

const StageInfo& norm_info() noexcept { return kInfo; }

LoudnessNormaliser::Tracking LoudnessNormaliser::tracking(int speed,
                                                          double custom_rate_db_per_s) noexcept {
  switch (speed) {
    // The loudness range inside an item survives: the 10 s window smooths
    // its dynamics away, and only a change of level that outlasts the
    // tracker's outlier test moves the gain.
    case kBroadcast:
      return {5.0, 10.0, 1.0};
    // Follows short-term loudness (3 s) closely.
    case kRadio:
      return {10.0, 3.0, 0.5};
    default:
      return {custom_rate_db_per_s, 3.0, 0.5};
  }
}

LoudnessNormaliser::LoudnessNormaliser() : Stage(kInfo) {}
LoudnessNormaliser::~LoudnessNormaliser() = default;

void LoudnessNormaliser::prepare(const ProcessSpec& spec) {
  spec_ = spec;
  // Momentary / short-term modes only: libebur128 keeps no block history
  // then and never allocates after prepare (output integrated loudness is
  // gated in a histogram instead).
  detector_.prepare(spec, EBUR128_MODE_M);
  output_.prepare(spec, EBUR128_MODE_S);
  hop_frames_ = detector_.hop_frames();
  tracker_.prepare(static_cast<int>(kMaxWindowS * 10.0));
  // 20 ms crossfade when the lookahead is changed while running.
  delay_.prepare(spec.channels, static_cast<int>(std::ceil(kMaxLookaheadS * spec.sample_rate)),
                 static_cast<int>(0.02 * spec.sample_rate));
  delay_.set_delay(lookahead_frames());
  limiter_.prepare(spec.sample_rate, spec.channels, spec.max_block);
  limiter_.set_ceiling_dbtp(param(kCeiling));
  reset();
}

void LoudnessNormaliser::reset() noexcept {
  // libebur128 can only be cleared by re-creating its state; the detector's
  // 400 ms window instead refills with the next blocks, and nothing is read
  // from it before item_blocks_ says so.
  tracker_.clear();
  delay_.set_delay(lookahead_frames());
  delay_.reset();
  limiter_.reset();
  output_blocks_.clear();
  frames_to_hop_ = hop_frames_;
  frames_since_reset_ = 0;
  gated_hops_ = 0;
  start_item();
  gain_db_ = 0.0;
  hop_step_db_ = 0.0;
  gain_linear_ = 1.0;
  gain_factor_ = 1.0;
  ramp_left_ = 0;
}

void LoudnessNormaliser::start_item() noexcept {
  tracker_.clear();
  item_blocks_ = 0;
  skip_blocks_ = 3;
}

int LoudnessNormaliser::lookahead_frames() const noexcept {
  return static_cast<int>(std::lround(param(kLookahead) * spec_.sample_rate));
}

int LoudnessNormaliser::latency() const noexcept { return delay_.delay() + limiter_.latency(); }

int LoudnessNormaliser::max_latency() const noexcept {
  return delay_.max_delay() + limiter_.max_latency();
}

void LoudnessNormaliser::process(float* const* audio, int frames) noexcept {
  if (take_trigger(kReset)) {
    start_item();
    output_blocks_.clear();
  }
  delay_.set_delay(lookahead_frames());
  limiter_.set_ceiling_dbtp(param(kCeiling));  // glides by itself
  // The block's settings, read once.
  settings_ = {static_cast<double>(param(kTarget)), static_cast<double>(param(kMaxGain)),
               static_cast<double>(param(kMaxAttenuation)), static_cast<double>(param(kGate)),
               tracking(static_cast<int>(param(kSpeed)), static_cast<double>(param(kRate)))};
  // Work in pieces that end on the detector's 100 ms hops, so each hop's
  // gain decision starts exactly where its block ends.
  for (int done = 0; done < frames;) {
    const int n = std::min(frames - done, frames_to_hop_);
    detector_.add(audio, done, n);
    float* piece[kMaxChannels];
    for (int c = 0; c < spec_.channels; ++c) piece[c] = audio[c] + done;
    delay_.process(piece, spec_.channels, n);
    apply_gain(audio, done, n);
    limiter_.process(piece, n);
    output_.add(audio, done, n);
    done += n;
    frames_to_hop_ -= n;
    frames_since_reset_ += n;
    if (frames_to_hop_ == 0) {
      on_hop();
      frames_to_hop_ = hop_frames_;
    }
  }
}

void LoudnessNormaliser::apply_gain(float* const* audio, int offset, int frames) noexcept {
  double gain = gain_linear_;
  int ramp_left = ramp_left_;
  for (int c = 0; c < spec_.channels; ++c) {
    float* x = audio[c] + offset;
    gain = gain_linear_;
    ramp_left = ramp_left_;
    for (int i = 0; i < frames; ++i) {
      x[i] = static_cast<float>(gain * x[i]);
      if (ramp_left > 0) {
        gain *= gain_factor_;
        --ramp_left;
      }
    }
  }
  gain_linear_ = gain;
  ramp_left_ = ramp_left;
}

void LoudnessNormaliser::on_hop() noexcept {
  // The hop's ramp is complete: land exactly on its end value.
  gain_db_ += hop_step_db_;
  hop_step_db_ = 0.0;

  double momentary = kMinusInf;
  if (frames_since_reset_ >= 4LL * hop_frames_) {
    momentary = detector_.momentary();
    // BS.1770 gating blocks of the output: 400 ms every 100 ms.
    const double output_momentary = output_.momentary();
    if (std::isfinite(output_momentary)) output_blocks_.add(to_energy(output_momentary));
  }
  const bool content = momentary >= settings_.gate_lufs;
  const Tracking& track = settings_.tracking;
  tracker_.set_window(static_cast<int>(std::lround(track.window_s * 10.0)));

  if (content) {
    gated_hops_ = 0;
    // The first blocks of an item still overlap the pause before it (a
    // momentary block spans 4 hops) and would under-read it.
    if (skip_blocks_ > 0) {
      --skip_blocks_;
    } else {
      tracker_.add(to_energy(momentary));
      ++item_blocks_;
    }
  } else if (++gated_hops_ == static_cast<int>(kNewItemS * 10.0)) {
    // A long pause ends the item: the next one is measured on its own.
    start_item();
  }

  // The gain only moves on content and once the item has been heard long
  // enough to know its level; otherwise it holds (no noise pumping).
  if (content && item_blocks_ >= kSettleBlocks) {
    const double aim = std::clamp(settings_.target_lufs - tracker_.loudness(),
                                  -settings_.max_attenuation_db, settings_.max_gain_db);
    const double hop_s = static_cast<double>(hop_frames_) / spec_.sample_rate;
    const double max_step = track.rate_db_per_s * hop_s;
    const double approach = std::min(1.0, hop_s / track.approach_s);
    hop_step_db_ = std::clamp((aim - gain_db_) * approach, -max_step, max_step);
  }
  gain_linear_ = std::pow(10.0, gain_db_ / 20.0);
  gain_factor_ = std::pow(10.0, hop_step_db_ / 20.0 / static_cast<double>(hop_frames_));
  ramp_left_ = hop_frames_;
}

double LoudnessNormaliser::output_momentary() const noexcept {
  return frames_since_reset_ >= 4LL * hop_frames_ ? output_.momentary() : kMinusInf;
}

double LoudnessNormaliser::output_short_term() const noexcept {
  return frames_since_reset_ >= 30LL * hop_frames_ ? output_.short_term() : kMinusInf;
}

double LoudnessNormaliser::output_integrated() const noexcept {
  return output_blocks_.gated_loudness(-10.0);  // BS.1770 relative gate
}

float LoudnessNormaliser::meter(int index, int) const noexcept {
  switch (index) {
    case kGain:
      return static_cast<float>(20.0 * std::log10(gain_linear_));
    case kMomentary:
      return static_cast<float>(output_momentary());
    case kShortTerm:
      return static_cast<float>(output_short_term());
    case kIntegrated:
      return static_cast<float>(output_integrated());
    default:
      return 0.0f;
  }
}

}  // namespace lacquer::dsp
