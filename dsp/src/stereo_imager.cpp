#include <lacquer/dsp/stereo_imager.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace lacquer::dsp {
namespace {

constexpr double kMeterAverageS = 0.4;   // as long as BS.1770's momentary window
constexpr double kSafetyAverageS = 0.1;  // what the safety looks at
constexpr double kSafetyAttackS = 0.01;  // narrowing follows within a few chunks
constexpr double kSafetyReleaseS = 0.5;  // widening back is slow, so it does not pump
constexpr double kSilentPower = 1e-12;   // -120 dB: below this, meters read 0
constexpr double kMaxMonoLossLu = 60.0;

// One parameter per paragraph reads better than one field per line.
// clang-format off
constexpr Param kParams[] = {
    {.symbol = "width", .label = "Width",
     .doc = "Stereo width: 0 % folds to mono, 100 % leaves the image unchanged, 200 % doubles the side signal.",
     .unit = Unit::percent, .min = 0, .max = 200, .def = 100, .smoothing_ms = 20},
    {.symbol = "mid_gain", .label = "Mid gain",
     .doc = "Gain of the mid signal (L + R) / 2.",
     .unit = Unit::db, .min = -24, .max = 12, .def = 0, .smoothing_ms = 20},
    {.symbol = "side_gain", .label = "Side gain",
     .doc = "Gain of the side signal (L - R) / 2, on top of the width.",
     .unit = Unit::db, .min = -24, .max = 12, .def = 0, .smoothing_ms = 20},
    {.symbol = "balance", .label = "Balance",
     .doc = "Left/right balance: positive values turn the left channel down, negative ones the right; 0 leaves both.",
     .unit = Unit::percent, .min = -100, .max = 100, .def = 0, .smoothing_ms = 20},
    {.symbol = "rotation", .label = "Rotation (degrees)",
     .doc = "Rotates the stereo image by this angle in degrees: +45 moves a hard-left source to the centre, -45 a hard-right one.",
     .unit = Unit::none, .min = -90, .max = 90, .def = 0, .smoothing_ms = 20},
    {.symbol = "bass_mono", .label = "Bass mono",
     .doc = "Removes the side signal below the bass-mono frequency (48 dB/octave Linkwitz-Riley split that sums flat).",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0, .smoothing_ms = 20},
    {.symbol = "bass_mono_freq", .label = "Bass mono frequency",
     .doc = "Below this frequency the output is mono when bass mono is on.",
     .unit = Unit::hz, .min = 20, .max = 500, .def = 120, .taper = Taper::log, .smoothing_ms = 50},
    {.symbol = "multiband", .label = "Per-band width",
     .doc = "Scales the side signal of three bands by the bands' own widths (Linkwitz-Riley 4 crossovers, allpass-compensated), on top of the overall width.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0, .smoothing_ms = 20},
    {.symbol = "low_crossover", .label = "Low crossover",
     .doc = "Split between the low and the mid band of the per-band width.",
     .unit = Unit::hz, .min = 40, .max = 1000, .def = 250, .taper = Taper::log, .smoothing_ms = 50},
    {.symbol = "high_crossover", .label = "High crossover",
     .doc = "Split between the mid and the high band of the per-band width.",
     .unit = Unit::hz, .min = 1000, .max = 16000, .def = 4000, .taper = Taper::log, .smoothing_ms = 50},
    {.symbol = "safety", .label = "Width safety",
     .doc = "Narrows the image whenever its correlation would fall below the minimum correlation.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 0},
    {.symbol = "min_correlation", .label = "Minimum correlation",
     .doc = "Lowest phase correlation the width safety lets through.",
     .unit = Unit::none, .min = -1, .max = 1, .def = 0},
    {.symbol = "correlation", .label = "Correlation",
     .doc = "Phase correlation of the output, -1 (opposite) to +1 (mono), over about 400 ms; 0 in silence.",
     .unit = Unit::none, .min = -1, .max = 1, .def = 0, .direction = Direction::meter},
    {.symbol = "mono_loss", .label = "Mono loss",
     .doc = "Loudness lost when the output is folded to mono, K-weighted as in BS.1770, over about 400 ms.",
     .unit = Unit::lu, .min = 0, .max = 60, .def = 0, .direction = Direction::meter},
    {.symbol = "safety_width", .label = "Safety width",
     .doc = "Share of the side signal the width safety lets through: 100 % while it is not narrowing.",
     .unit = Unit::percent, .min = 0, .max = 100, .def = 100, .direction = Direction::meter},
};
// clang-format on
static_assert(std::size(kParams) == StereoImager::kTopLevelCount);

// clang-format off
constexpr Param kBandParams[] = {
    {.symbol = "width", .label = "Width",
     .doc = "Width of this band's side signal when per-band width is on (band 1 low, 2 mid, 3 high).",
     .unit = Unit::percent, .min = 0, .max = 200, .def = 100, .smoothing_ms = 20},
};
// clang-format on

constexpr ParamGroup kGroups[] = {
    {.prefix = "band", .label = "Band", .count = StereoImager::kBands, .params = kBandParams},
};

constexpr int kLv2Channels[] = {2};

constexpr StageInfo kInfo{
    .symbol = "imager",
    .name = "Lacquer Stereo Imager",
    .summary =
        "Stereo width overall and in three bands, bass mono, mid/side gain, balance, "
        "rotation, correlation and mono-compatibility meters",
    .lv2_class = "SpatialPlugin",
    .gst_klass = "Filter/Effect/Audio",
    .example =
        "gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! "
        "masterimager width=130 bass-mono=true bass-mono-freq=120 ! audioconvert ! "
        "autoaudiosink",
    .params = kParams,
    .groups = kGroups,
    .min_channels = 2,
    .max_channels = 2,
    .lv2_channels = kLv2Channels,
};

double db_to_gain(double db) noexcept { return std::pow(10.0, db / 20.0); }

int frames_for(double ms, double rate) noexcept {
  return static_cast<int>(std::lround(ms * 1e-3 * rate));
}

// Per-chunk one-pole coefficient for a time constant.
double chunk_coef(double seconds, double rate) noexcept {
  return 1.0 - std::exp(-double(StereoImager::kChunk) / (seconds * rate));
}

}  // namespace

const StageInfo& imager_info() noexcept { return kInfo; }

StereoImager::StereoImager() : Stage(kInfo) {}

void StereoImager::prepare(const ProcessSpec& spec) {
  if (spec.channels != 2) throw std::invalid_argument("the stereo imager needs exactly 2 channels");
  sample_rate_ = spec.sample_rate;
  side_bands_.prepare(1, sample_rate_);
  mid_weighting_.prepare(sample_rate_);
  side_weighting_.prepare(sample_rate_);
  safety_average_coef_ = chunk_coef(kSafetyAverageS, sample_rate_);
  meter_average_coef_ = chunk_coef(kMeterAverageS, sample_rate_);
  safety_attack_coef_ = chunk_coef(kSafetyAttackS, sample_rate_);
  safety_release_coef_ = chunk_coef(kSafetyReleaseS, sample_rate_);
  reset();
}

void StereoImager::reset() noexcept {
  read_params(true);
  safety_gain_ = 1.0;
  update_filters(0);
  side_bands_.reset();
  for (Biquad& s : mid_allpass_) s.reset();
  bass_mono_filter_.reset();
  mid_weighting_.reset();
  side_weighting_.reset();
  sums_.fill(0.0);
  averages_.fill(0.0);
  multiband_running_ = false;
  bass_mono_running_ = false;
  fresh_ = true;
  phase_ = 0;
  to_ = controls_now();
  from_ = to_;
}

// Targets from the parameters; `jump` puts every ramp on its target at once.
void StereoImager::read_params(bool jump) noexcept {
  auto follow = [&](LinearRamp& ramp, double target, int index) {
    if (jump) {
      ramp.reset(target);
    } else {
      ramp.set_target(target, frames_for(kParams[index].smoothing_ms, sample_rate_));
    }
  };
  follow(width_, param(kWidth), kWidth);
  follow(mid_gain_db_, param(kMidGain), kMidGain);
  follow(side_gain_db_, param(kSideGain), kSideGain);
  follow(balance_, param(kBalance), kBalance);
  follow(rotation_deg_, param(kRotation), kRotation);
  follow(bass_mono_fade_, param(kBassMono) > 0.5f ? 1.0 : 0.0, kBassMono);
  follow(bass_mono_log2_hz_, std::log2(double(param(kBassMonoFrequency))), kBassMonoFrequency);
  follow(multiband_fade_, param(kMultiband) > 0.5f ? 1.0 : 0.0, kMultiband);
  follow(low_crossover_log2_hz_, std::log2(double(param(kLowCrossover))), kLowCrossover);
  follow(high_crossover_log2_hz_, std::log2(double(param(kHighCrossover))), kHighCrossover);
  for (int b = 0; b < kBands; ++b) {
    LinearRamp& ramp = band_width_[static_cast<std::size_t>(b)];
    const double target = param(kBandWidth + b);
    if (jump) {
      ramp.reset(target);
    } else {
      ramp.set_target(target, frames_for(kBandParams[0].smoothing_ms, sample_rate_));
    }
  }
  safety_on_ = param(kSafety) > 0.5f;
  min_correlation_ = param(kMinCorrelation);
}

StereoImager::Controls StereoImager::controls_now() const noexcept {
  Controls c{};
  c[kCtlMidGain] = db_to_gain(mid_gain_db_.value());
  c[kCtlSideGain] = db_to_gain(side_gain_db_.value()) * width_.value() / 100.0;
  for (int b = 0; b < kBands; ++b) {
    c[static_cast<std::size_t>(kCtlBand0 + b)] =
        band_width_[static_cast<std::size_t>(b)].value() / 100.0;
  }
  c[kCtlMultiband] = multiband_fade_.value();
  const double angle = rotation_deg_.value() * std::numbers::pi / 180.0;
  c[kCtlCos] = std::cos(angle);
  c[kCtlSin] = std::sin(angle);
  c[kCtlSafety] = safety_gain_;
  c[kCtlBassMono] = bass_mono_fade_.value();
  const double balance = balance_.value() / 100.0;
  c[kCtlLeftGain] = balance > 0.0 ? 1.0 - balance : 1.0;
  c[kCtlRightGain] = balance < 0.0 ? 1.0 + balance : 1.0;
  return c;
}

// Filter designs from the smoothed frequencies, ramped over `ramp_frames`.
void StereoImager::update_filters(int ramp_frames) noexcept {
  const std::array<double, 2> splits = {std::exp2(low_crossover_log2_hz_.value()),
                                        std::exp2(high_crossover_log2_hz_.value())};
  side_bands_.set_bands(kBands, splits, ramp_frames);
  for (int k = 0; k < 2; ++k) {
    // The crossover keeps its frequencies below Nyquist; use the ones it uses.
    const BiquadCoefficients ap = LinkwitzRiley4::allpass(side_bands_.frequency(k), sample_rate_);
    Biquad& section = mid_allpass_[static_cast<std::size_t>(k)];
    if (ramp_frames > 0) {
      section.ramp_to(ap, ramp_frames);
    } else {
      section.set(ap);
    }
  }
  const double bass_hz = std::min(std::exp2(bass_mono_log2_hz_.value()), 0.45 * sample_rate_);
  bass_mono_filter_.set_frequency(bass_hz, sample_rate_, ramp_frames);
}

void StereoImager::process(float* const* audio, int frames) noexcept {
  // Right after a reset there is no sound to click against: what the host set
  // up to now (LV2 hands its controls over with the first run) holds from the
  // first frame, as it would had it been set before prepare().
  if (fresh_) {
    fresh_ = false;
    read_params(true);
    update_filters(0);
    to_ = controls_now();
  }
  read_params(false);
  float* left = audio[0];
  float* right = audio[1];
  for (int done = 0; done < frames;) {
    if (phase_ == 0) begin_chunk();
    const int n = std::min(frames - done, kChunk - phase_);
    process_span(left + done, right + done, n);
    done += n;
    phase_ += n;
    if (phase_ == kChunk) {
      end_chunk();
      phase_ = 0;
    }
  }
}

void StereoImager::begin_chunk() noexcept {
  from_ = to_;
  const bool filters_moving = bass_mono_log2_hz_.moving() || low_crossover_log2_hz_.moving() ||
                              high_crossover_log2_hz_.moving();
  for (LinearRamp* ramp :
       {&width_, &mid_gain_db_, &side_gain_db_, &balance_, &rotation_deg_, &multiband_fade_,
        &bass_mono_fade_, &bass_mono_log2_hz_, &low_crossover_log2_hz_, &high_crossover_log2_hz_}) {
    ramp->advance(kChunk);
  }
  for (LinearRamp& ramp : band_width_) ramp.advance(kChunk);
  if (filters_moving) update_filters(kChunk);

  // The safety follows its target with a fast attack and a slow release, and
  // lands exactly on 1 so that an idle safety leaves the signal bit-exact.
  const double target = safety_on_ ? safety_limit() : 1.0;
  const double coef = target < safety_gain_ ? safety_attack_coef_ : safety_release_coef_;
  safety_gain_ += coef * (target - safety_gain_);
  if (std::fabs(safety_gain_ - target) < 1e-6) safety_gain_ = target;

  to_ = controls_now();

  // Paths that were idle start from clean state as they fade in.
  const bool multiband = from_[kCtlMultiband] > 0.0 || to_[kCtlMultiband] > 0.0;
  if (multiband && !multiband_running_) {
    side_bands_.reset();
    for (Biquad& s : mid_allpass_) s.reset();
  }
  multiband_running_ = multiband;
  const bool bass_mono = from_[kCtlBassMono] > 0.0 || to_[kCtlBassMono] > 0.0;
  if (bass_mono && !bass_mono_running_) bass_mono_filter_.reset();
  bass_mono_running_ = bass_mono;
}

void StereoImager::end_chunk() noexcept {
  constexpr double inv = 1.0 / kChunk;
  for (int s = 0; s < kStatCount; ++s) {
    const double coef = s <= kStatCross ? safety_average_coef_ : meter_average_coef_;
    averages_[s] += coef * (sums_[s] * inv - averages_[s]);
  }
  sums_.fill(0.0);
}

void StereoImager::process_span(float* left, float* right, int frames) noexcept {
  double mid[kChunk];
  double side[kChunk];
  float* mid_f = scratch_mid_.data();
  float* side_f = scratch_side_.data();
  float* band_f[kBands] = {scratch_bands_[0].data(), scratch_bands_[1].data(),
                           scratch_bands_[2].data()};
  double t[kChunk];  // position of each frame in the chunk, (0, 1]
  for (int i = 0; i < frames; ++i) t[i] = double(phase_ + i + 1) / kChunk;
  auto at = [this, &t](int ctl, int i) {
    const auto c = static_cast<std::size_t>(ctl);
    return from_[c] + (to_[c] - from_[c]) * t[i];
  };

  for (int i = 0; i < frames; ++i) {
    const double l = left[i];
    const double r = right[i];
    mid[i] = 0.5 * (l + r) * at(kCtlMidGain, i);
    side[i] = 0.5 * (l - r) * at(kCtlSideGain, i);
  }

  if (multiband_running_) {
    for (int i = 0; i < frames; ++i) {
      mid_f[i] = static_cast<float>(mid[i]);
      side_f[i] = static_cast<float>(side[i]);
    }
    side_bands_.process(0, side_f, band_f, frames);
    for (Biquad& s : mid_allpass_) s.process(mid_f, frames);
    for (int i = 0; i < frames; ++i) {
      const double fade = at(kCtlMultiband, i);
      const double banded = at(kCtlBand0, i) * band_f[0][i] + at(kCtlBand1, i) * band_f[1][i] +
                            at(kCtlBand2, i) * band_f[2][i];
      mid[i] = (1.0 - fade) * mid[i] + fade * mid_f[i];
      side[i] = (1.0 - fade) * side[i] + fade * banded;
    }
  }

  for (int i = 0; i < frames; ++i) {
    // Rotating (L, R) by +angle is, in mid/side, M' = cos M + sin S and
    // S' = cos S - sin M.
    const double c = at(kCtlCos, i);
    const double s = at(kCtlSin, i);
    const double m = c * mid[i] + s * side[i];
    const double d = c * side[i] - s * mid[i];
    sums_[kStatMid] += m * m;
    sums_[kStatSide] += d * d;
    sums_[kStatCross] += m * d;
    mid[i] = m;
    side[i] = d * at(kCtlSafety, i);
  }

  if (bass_mono_running_) {
    for (int i = 0; i < frames; ++i) {
      mid_f[i] = static_cast<float>(mid[i]);
      side_f[i] = static_cast<float>(side[i]);
    }
    bass_mono_filter_.process_allpass(mid_f, frames);
    bass_mono_filter_.process_high(side_f, frames);
    for (int i = 0; i < frames; ++i) {
      const double fade = at(kCtlBassMono, i);
      mid[i] = (1.0 - fade) * mid[i] + fade * mid_f[i];
      side[i] = (1.0 - fade) * side[i] + fade * side_f[i];
    }
  }

  for (int i = 0; i < frames; ++i) {
    const float l = static_cast<float>((mid[i] + side[i]) * at(kCtlLeftGain, i));
    const float r = static_cast<float>((mid[i] - side[i]) * at(kCtlRightGain, i));
    left[i] = l;
    right[i] = r;
    sums_[kStatLeft] += double(l) * l;
    sums_[kStatRight] += double(r) * r;
    sums_[kStatLeftRight] += double(l) * r;
    const double loud_mid = mid_weighting_.process(0.5 * (double(l) + r));
    const double loud_side = side_weighting_.process(0.5 * (double(l) - r));
    sums_[kStatLoudMid] += loud_mid * loud_mid;
    sums_[kStatLoudSide] += loud_side * loud_side;
  }
}

// Largest side gain g <= 1 for which the correlation of (M + gS, M - gS) is at
// least the floor, from the averaged powers Pm, Ps and cross term C of (M, S):
//   r(x = g²) = (Pm - x Ps) / sqrt((Pm + x Ps)² - 4 x C²).
// r(0) = 1; bisection finds where r meets the floor.
double StereoImager::safety_limit() const noexcept {
  const double pm = averages_[kStatMid];
  const double ps = averages_[kStatSide];
  const double cross = averages_[kStatCross];
  const double minimum = min_correlation_;
  if (ps <= kSilentPower || minimum <= -1.0) return 1.0;
  auto correlation_at = [&](double x) {
    const double numerator = pm - x * ps;
    const double product = (pm + x * ps) * (pm + x * ps) - 4.0 * x * cross * cross;
    if (product <= 0.0) return numerator >= 0.0 ? 1.0 : -1.0;
    return numerator / std::sqrt(product);
  };
  if (correlation_at(1.0) >= minimum) return 1.0;
  double low = 0.0;   // correlation_at(low) >= minimum
  double high = 1.0;  // correlation_at(high) < minimum
  for (int step = 0; step < 20; ++step) {
    const double x = 0.5 * (low + high);
    if (correlation_at(x) >= minimum) {
      low = x;
    } else {
      high = x;
    }
  }
  return std::sqrt(low);
}

double StereoImager::correlation() const noexcept {
  const double product = averages_[kStatLeft] * averages_[kStatRight];
  if (product <= kSilentPower * kSilentPower) return 0.0;
  return std::clamp(averages_[kStatLeftRight] / std::sqrt(product), -1.0, 1.0);
}

// Stereo loudness (BS.1770, L and R weighted 1) is E[L²] + E[R²] = 2 (Pm + Ps)
// of the K-weighted mid and side; the fold-down (L + R) / 2 on both speakers
// keeps 2 Pm. The loss is their ratio.
double StereoImager::mono_loss_lu() const noexcept {
  const double pm = averages_[kStatLoudMid];
  const double total = pm + averages_[kStatLoudSide];
  if (total <= kSilentPower) return 0.0;
  if (pm <= total * std::pow(10.0, -kMaxMonoLossLu / 10.0)) return kMaxMonoLossLu;
  return std::clamp(10.0 * std::log10(total / pm), 0.0, kMaxMonoLossLu);
}

float StereoImager::meter(int index, int) const noexcept {
  switch (index) {
    case kCorrelation:
      return static_cast<float>(correlation());
    case kMonoLoss:
      return static_cast<float>(mono_loss_lu());
    case kSafetyWidth:
      return static_cast<float>(100.0 * safety_gain_);
    default:
      return 0.0f;
  }
}

}  // namespace lacquer::dsp
