#include <algorithm>
#include <cmath>
#include <cstring>
#include <lacquer/dsp/equalizer.hpp>
#include <numbers>

namespace lacquer::dsp {
namespace {

constexpr std::string_view kPhaseChoices[] = {"minimum", "linear"};
constexpr std::string_view kTypeChoices[] = {"bell",    "low_shelf", "high_shelf",
                                             "low_cut", "high_cut",  "tilt"};
constexpr std::string_view kSlopeChoices[] = {"6dB",  "12dB", "18dB", "24dB",
                                              "30dB", "36dB", "42dB", "48dB"};
constexpr std::string_view kChannelChoices[] = {"stereo", "left", "right", "mid", "side"};

constexpr float kSmoothingMs = 20.0f;

// clang-format off: one paragraph per parameter

constexpr Param kParams[] = {
    {.symbol = "phase",
     .label = "Phase",
     .doc = "minimum: matched biquads, no latency; linear: FIR from the same magnitudes, constant "
            "group delay (latency about 340 ms).",
     .unit = Unit::choice,
     .min = 0,
     .max = 1,
     .def = 0,
     .choices = kPhaseChoices},
    {.symbol = "output_gain",
     .label = "Output gain",
     .doc = "Gain after the bands.",
     .unit = Unit::db,
     .min = -24,
     .max = 24,
     .def = 0,
     .smoothing_ms = kSmoothingMs},
};
static_assert(std::size(kParams) == Equalizer::kTopCount);

constexpr Param kBandParams[] = {
    {.symbol = "enabled",
     .label = "Enabled",
     .doc = "Switches the band in or out (faded, no click).",
     .unit = Unit::toggle,
     .min = 0,
     .max = 1,
     .def = 1},
    {.symbol = "type",
     .label = "Type",
     .doc = "bell, low_shelf, high_shelf, low_cut, high_cut or tilt (first-order, -gain below "
            "the frequency, +gain above).",
     .unit = Unit::choice,
     .min = 0,
     .max = 5,
     .def = 0,
     .choices = kTypeChoices},
    {.symbol = "freq",
     .label = "Frequency",
     .doc = "Centre, shelf midpoint, cut-off or tilt pivot (clamped to 0.45 of the sample rate).",
     .unit = Unit::hz,
     .min = 10,
     .max = 40000,
     .def = 1000,
     .taper = Taper::log,
     .smoothing_ms = kSmoothingMs},
    {.symbol = "gain",
     .label = "Gain",
     .doc = "Boost or cut of bells, shelves and tilt (cuts ignore it).",
     .unit = Unit::db,
     .min = -24,
     .max = 24,
     .def = 0,
     .smoothing_ms = kSmoothingMs},
    {.symbol = "q",
     .label = "Q",
     .doc = "Width of bells (bandwidth at half the dB gain = frequency / Q) and shelf "
            "steepness (0.707: no overshoot).",
     .unit = Unit::q,
     .min = 0.1f,
     .max = 18,
     .def = 0.7071f,
     .taper = Taper::log,
     .smoothing_ms = kSmoothingMs},
    {.symbol = "slope",
     .label = "Slope",
     .doc = "Steepness of the cuts in dB per octave (Butterworth of order slope / 6).",
     .unit = Unit::choice,
     .min = 0,
     .max = 7,
     .def = 1,
     .choices = kSlopeChoices},
    {.symbol = "channel",
     .label = "Channel",
     .doc = "What the band acts on: stereo (every channel), left, right, mid or side.",
     .unit = Unit::choice,
     .min = 0,
     .max = 4,
     .def = 0,
     .choices = kChannelChoices},
};
static_assert(std::size(kBandParams) == Equalizer::kBandCount);

constexpr ParamGroup kGroups[] = {
    {.prefix = "band", .label = "Band", .count = Equalizer::kBands, .params = kBandParams},
};

constexpr int kLv2Channels[] = {2, 1};

constexpr StageInfo kInfo{
    .symbol = "eq",
    .name = "Lacquer Mastering EQ",
    .summary =
        "8-band mastering equalizer: bells, shelves, cuts and tilt on stereo, left, right, "
        "mid or side; minimum phase without cramping, or linear phase",
    .lv2_class = "EQPlugin",
    .gst_klass = "Filter/Effect/Audio",
    .example =
        "gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! "
        "mastereq band1::type=bell band1::freq=250 band1::gain=-1.5 band1::q=0.8 "
        "band2::type=high_shelf band2::freq=12000 band2::gain=1 ! audioconvert ! "
        "flacenc ! filesink location=eq.flac",
    .params = kParams,
    .groups = kGroups,
    .min_channels = 1,
    .max_channels = 2,
    .lv2_channels = kLv2Channels,
    .min_rate = 22050,
    .max_rate = 192000,
};

// clang-format on

double db_to_gain(double db) noexcept { return std::pow(10.0, db / 20.0); }

bool acts_on_pair(EqChannel c) noexcept { return c == EqChannel::mid || c == EqChannel::side; }

// Mid/side as M = (L + R) / 2, S = (L - R) / 2, so that L = M + S, R = M - S.
void to_mid_side(float* left, float* right, int frames) noexcept {
  for (int i = 0; i < frames; ++i) {
    const float l = left[i], r = right[i];
    left[i] = 0.5f * (l + r);
    right[i] = 0.5f * (l - r);
  }
}
void to_left_right(float* mid, float* side, int frames) noexcept {
  for (int i = 0; i < frames; ++i) {
    const float m = mid[i], s = side[i];
    mid[i] = m + s;
    side[i] = m - s;
  }
}

// Zeroes the outer taps of a symmetric kernel, both ends alike, as long as
// what is zeroed adds up to at most 1e-5 in absolute value: the response then
// moves by at most 1e-5 (-100 dB) at any frequency. Short filters (bands well
// above 20 Hz) leave whole partitions empty, which the convolver skips.
// The K taps are symmetric about K / 2 (tap 0 is the window's zero).
void drop_negligible_tails(std::vector<float>& taps) noexcept {
  constexpr double kBudget = 1e-5;
  const std::size_t size = taps.size();
  double dropped = 0.0;
  for (std::size_t n = 1; 2 * n < size; ++n) {
    const double next = std::fabs(double(taps[n])) + std::fabs(double(taps[size - n]));
    if (dropped + next > kBudget) break;
    dropped += next;
    taps[n] = taps[size - n] = 0.0f;
  }
}

// I0, the modified Bessel function of the first kind, from its power series
// sum ((x / 2)^k / k!)^2 (all terms positive: no cancellation).
double bessel_i0(double x) noexcept {
  const double quarter_x2 = 0.25 * x * x;
  double term = 1.0, sum = 1.0;
  for (int k = 1; term > 1e-17 * sum; ++k) {
    term *= quarter_x2 / (double(k) * double(k));
    sum += term;
  }
  return sum;
}

bool same_shape(const EqBandShape& a, const EqBandShape& b) noexcept {
  return a.type == b.type && a.freq_hz == b.freq_hz && a.gain_db == b.gain_db && a.q == b.q &&
         a.slope_db_per_octave == b.slope_db_per_octave;
}

}  // namespace

const StageInfo& eq_info() noexcept { return kInfo; }

Equalizer::Equalizer() : Stage(kInfo) {}
Equalizer::~Equalizer() = default;

// ---------------------------------------------------------------- settings

Equalizer::Settings Equalizer::read_settings(int band) const noexcept {
  Settings s;
  s.enabled = param(band_param(band, kEnabled)) > 0.5f;
  s.type =
      static_cast<EqBandType>(std::clamp(static_cast<int>(param(band_param(band, kType))), 0, 5));
  s.freq_hz =
      std::min<double>(param(band_param(band, kFreq)), max_band_frequency(spec_.sample_rate));
  s.gain_db = param(band_param(band, kGain));
  s.q = param(band_param(band, kQ));
  s.slope = 6 * (1 + std::clamp(static_cast<int>(param(band_param(band, kSlope))), 0, 7));
  s.channel =
      static_cast<EqChannel>(std::clamp(static_cast<int>(param(band_param(band, kChannel))), 0, 4));
  // Bands that cannot act on this layout are off: right and side need two channels.
  if (channels_ < 2 && (s.channel == EqChannel::right || s.channel == EqChannel::side))
    s.enabled = false;
  return s;
}

EqBandShape Equalizer::band_shape(int band) const noexcept {
  const Settings s = read_settings(band);
  return {s.type, s.freq_hz, s.gain_db, s.q, s.slope};
}

// ---------------------------------------------------------------- life cycle

void Equalizer::prepare(const ProcessSpec& spec) {
  spec_ = spec;
  channels_ = std::clamp(spec.channels, 1, 2);
  smoothing_frames_ =
      std::max(1, static_cast<int>(std::lround(kSmoothingMs * 1e-3 * spec.sample_rate)));
  dry_.assign(static_cast<std::size_t>(channels_), std::vector<float>(kControlFrames, 0.0f));

  // Linear phase: L = the power of two >= 0.6 s (32768 at 48 kHz), so the
  // FIR (L - 2P = 3L/4 taps, 512 ms at 48 kHz) resolves narrow shapes near
  // 20 Hz (a 40 Hz bell of Q 2 to about 0.1 dB; half the length gives 0.4 dB).
  // P = L / 8: six partitions of the kernel, a fair trade between the cost
  // per frame and the work done at each partition boundary.
  fir_length_ = 1024;
  while (fir_length_ < 0.6 * spec.sample_rate) fir_length_ *= 2;
  partition_ = fir_length_ / 8;
  kernel_taps_ = fir_length_ - 2 * partition_;
  linear_latency_ = fir_length_ / 2;
  design_fft_ = std::make_unique<RealFft>(fir_length_);
  const auto bins = static_cast<std::size_t>(fir_length_ / 2 + 1);
  design_spectrum_ = FftBuffer<std::complex<float>>(bins);
  design_impulse_ = FftBuffer<float>(static_cast<std::size_t>(fir_length_));
  for (auto& m : design_matrix_) m.assign(bins, 0.0f);
  // Kaiser window over taps 0..K (zero at both ends, so the K stored taps are
  // exactly symmetric about K / 2). beta = 9: sidelobes near -90 dB, so the
  // ripple they add to the magnitude stays far below 0.01 dB.
  constexpr double kBeta = 9.0;
  window_.assign(static_cast<std::size_t>(kernel_taps_), 0.0f);
  const double half = kernel_taps_ / 2.0;
  const double norm = bessel_i0(kBeta);
  for (int n = 1; n < kernel_taps_; ++n) {
    const double x = (n - half) / half;
    window_[static_cast<std::size_t>(n)] =
        static_cast<float>(bessel_i0(kBeta * std::sqrt(std::max(0.0, 1.0 - x * x))) / norm);
  }
  for (Band& b : bands_) b.snapped_valid = false;  // designed for another rate
  designed_valid_ = false;                         // a new convolver has no kernels
  window_[static_cast<std::size_t>(kernel_taps_ / 2)] = 1.0f;
  taps_.assign(static_cast<std::size_t>(kernel_taps_), 0.0f);
  convolver_.prepare(channels_, channels_, partition_, kernel_taps_,
                     channels_ == 2 ? PartitionedConvolver::Domain::mid_side
                                    : PartitionedConvolver::Domain::left_right);
  reset();
}

void Equalizer::snap_band(int band, const Settings& s) noexcept {
  Band& b = bands_[static_cast<std::size_t>(band)];
  b.type = s.type;
  b.slope = s.slope;
  b.channel = s.channel;
  b.enabled = s.enabled;
  b.log_freq.reset(std::log(s.freq_hz));
  b.gain_db.reset(s.gain_db);
  b.log_q.reset(std::log(s.q));
  b.mix.reset(s.enabled ? 1.0 : 0.0);
  b.mix_from = b.mix_to = b.mix.value();
  for (auto& chain : b.filters) {
    for (Biquad& f : chain) f.reset();
  }
  // Linear phase runs no sections; they are designed when minimum phase
  // comes back (which snaps every band).
  if (phase_ == EqPhase::linear) {
    b.sections = 0;
    b.refined = true;
    return;
  }
  // The same settings again (a reset before the first audio): the same design.
  const EqBandShape shape{s.type, s.freq_hz, s.gain_db, s.q, s.slope};
  if (!b.snapped_valid || !same_shape(shape, b.snapped_shape)) {
    b.snapped_design = design_refined(shape, spec_.sample_rate);
    b.snapped_shape = shape;
    b.snapped_valid = true;
  }
  set_coefficients(b, b.snapped_design, 0);
  b.refined = true;
}

void Equalizer::reset() noexcept {
  fresh_ = true;
  idle_ = false;
  phase_ = param(kPhase) > 0.5f ? EqPhase::linear : EqPhase::minimum;
  for (int band = 0; band < kBands; ++band) {
    settings_[static_cast<std::size_t>(band)] = read_settings(band);
    snap_band(band, settings_[static_cast<std::size_t>(band)]);
  }
  output_gain_.reset(db_to_gain(param(kOutputGain)));
  control_countdown_ = 0;
  convolver_.reset();
  stream_frames_ = 0;
  // The convolver keeps its kernels across a reset: the same settings need no
  // new design (a reset before the first audio).
  bool same = designed_valid_;
  for (int band = 0; band < kBands && same; ++band)
    same = settings_[static_cast<std::size_t>(band)] == designed_[static_cast<std::size_t>(band)];
  if (phase_ == EqPhase::linear && !same) design_linear(false);
  latency_.store(phase_ == EqPhase::linear ? linear_latency_ : 0, std::memory_order_relaxed);
}

int Equalizer::latency() const noexcept { return latency_.load(std::memory_order_relaxed); }

// ---------------------------------------------------------------- processing

void Equalizer::process(float* const* audio, int frames) noexcept {
  if (fresh_) {
    // Controls set between reset() and the first audio (a host writing its
    // ports, a face applying properties) hold from the first frame: no ramp
    // from the defaults.
    reset();
    fresh_ = false;
  }
  for (int band = 0; band < kBands; ++band) {
    const Settings s = read_settings(band);
    if (!(s == settings_[static_cast<std::size_t>(band)])) idle_ = false;
    settings_[static_cast<std::size_t>(band)] = s;
  }
  const double gain_target = db_to_gain(param(kOutputGain));
  if (gain_target != output_gain_.target()) idle_ = false;
  output_gain_.set_target(gain_target, smoothing_frames_);

  const EqPhase wanted = param(kPhase) > 0.5f ? EqPhase::linear : EqPhase::minimum;
  if (wanted != phase_) {
    // The latency changes with the mode, so the stream cannot stay continuous
    // across the switch: start the new mode clean.
    phase_ = wanted;
    if (phase_ == EqPhase::linear) {
      convolver_.reset();
      stream_frames_ = 0;
      design_linear(false);
    } else {
      for (int band = 0; band < kBands; ++band)
        snap_band(band, settings_[static_cast<std::size_t>(band)]);
      control_countdown_ = 0;
    }
    latency_.store(phase_ == EqPhase::linear ? linear_latency_ : 0, std::memory_order_relaxed);
  }

  if (phase_ == EqPhase::linear) {
    process_linear(audio, frames);
  } else {
    process_minimum(audio, frames);
  }
}

// Minimum phase: the block is cut at the 32-frame control boundaries of the
// stream (not of the call), so any block size gives the same output.
void Equalizer::process_minimum(float* const* audio, int frames) noexcept {
  float* chunk[2];
  for (int done = 0; done < frames;) {
    if (control_countdown_ == 0) {
      control_tick();
      control_countdown_ = kControlFrames;
    }
    // Once nothing moves, the ticks left in this call would change nothing
    // (the controls are read once per call): the rest of the block goes in
    // one piece and the tick phase moves on with it.
    const int n = idle_ ? frames - done : std::min(frames - done, control_countdown_);
    for (int c = 0; c < channels_; ++c) chunk[c] = audio[c] + done;

    bool mid_side = false;
    cascade_count_ = 0;
    for (Band& b : bands_) {
      if (b.sections == 0 || (b.mix_from == 0.0 && b.mix_to == 0.0)) continue;
      if (channels_ == 2) {
        const bool wants_pair = acts_on_pair(b.channel);
        const bool stereo = b.channel == EqChannel::stereo;  // same in either domain
        if ((wants_pair && !mid_side) || (!wants_pair && !stereo && mid_side)) {
          run_cascade(chunk, n);
          if (mid_side)
            to_left_right(chunk[0], chunk[1], n);
          else
            to_mid_side(chunk[0], chunk[1], n);
          mid_side = !mid_side;
        }
      }
      if (joins_cascade(b)) {
        add_to_cascade(b);
      } else {
        run_cascade(chunk, n);
        process_band(b, chunk, n);
      }
    }
    run_cascade(chunk, n);
    if (mid_side) to_left_right(chunk[0], chunk[1], n);
    apply_output_gain(chunk, n);
    done += n;
    if (n <= control_countdown_) {
      control_countdown_ -= n;
    } else {  // an idle span over skipped ticks: keep the tick phase
      const int position = (kControlFrames - control_countdown_ + n) % kControlFrames;
      control_countdown_ = position == 0 ? 0 : kControlFrames - position;
    }
  }
}

void Equalizer::process_band(Band& b, float* const* audio, int frames) noexcept {
  int first = 0, last = channels_ - 1;
  switch (b.channel) {
    case EqChannel::stereo:
      break;
    case EqChannel::left:
    case EqChannel::mid:
      last = 0;
      break;
    case EqChannel::right:
    case EqChannel::side:
      first = last = 1;
      break;
  }
  if (last >= channels_) return;
  // Wet/dry while the band fades in or out, sample by sample along this
  // control period (so the result does not depend on how it is cut).
  const bool blend = b.mix_from != 1.0 || b.mix_to != 1.0;
  const int position = kControlFrames - control_countdown_;
  const double step = (b.mix_to - b.mix_from) / kControlFrames;
  for (int c = first; c <= last; ++c) {
    float* x = audio[c];
    float* dry = dry_[static_cast<std::size_t>(c)].data();
    if (blend) std::memcpy(dry, x, sizeof(float) * std::size_t(frames));
    auto& chain = b.filters[static_cast<std::size_t>(c)];
    for (int s = 0; s < b.sections; ++s) chain[static_cast<std::size_t>(s)].process(x, frames);
    if (blend) {
      for (int i = 0; i < frames; ++i) {
        const auto wet = static_cast<float>(b.mix_from + step * (position + i + 1));
        x[i] = dry[i] + wet * (x[i] - dry[i]);
      }
    }
  }
}

bool Equalizer::joins_cascade(const Band& b) const noexcept {
  if (channels_ != 2 || b.mix_from != 1.0 || b.mix_to != 1.0) return false;
  for (const auto& chain : b.filters) {
    for (int s = 0; s < b.sections; ++s) {
      if (chain[static_cast<std::size_t>(s)].ramping()) return false;
    }
  }
  return cascade_count_ + b.sections <= static_cast<int>(cascade_.size());
}

void Equalizer::add_to_cascade(Band& b) noexcept {
  const bool lane_on[2] = {
      b.channel == EqChannel::stereo || b.channel == EqChannel::left || b.channel == EqChannel::mid,
      b.channel == EqChannel::stereo || b.channel == EqChannel::right ||
          b.channel == EqChannel::side};
  for (int s = 0; s < b.sections; ++s) {
    CascadeSection& cs = cascade_[static_cast<std::size_t>(cascade_count_++)];
    for (int lane = 0; lane < 2; ++lane) {
      if (lane_on[lane]) {
        Biquad& f = b.filters[static_cast<std::size_t>(lane)][static_cast<std::size_t>(s)];
        const BiquadCoefficients& c = f.coefficients();
        cs.b0[lane] = c.b0;
        cs.b1[lane] = c.b1;
        cs.b2[lane] = c.b2;
        cs.a1[lane] = c.a1;
        cs.a2[lane] = c.a2;
        cs.s1[lane] = f.state1();
        cs.s2[lane] = f.state2();
        cs.lane[lane] = &f;
      } else {  // identity: y = x exactly, state stays 0
        cs.b0[lane] = 1.0;
        cs.b1[lane] = cs.b2[lane] = cs.a1[lane] = cs.a2[lane] = 0.0;
        cs.s1[lane] = cs.s2[lane] = 0.0;
        cs.lane[lane] = nullptr;
      }
    }
  }
}

// Where the CPU has FMA (x86-64-v3) a second copy of this loop fuses each
// multiply-add: five operations per section and sample instead of nine.
// (Not under ThreadSanitizer: gcc instruments the copy-picking resolver,
// which runs before the sanitizer's runtime has started.)
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("arch=x86-64-v3", "default"), optimize("fp-contract=fast")))
#endif
void Equalizer::run_cascade(float* const* audio, int frames) noexcept {
  const int count = cascade_count_;
  if (count == 0) return;
  cascade_count_ = 0;
  // GCC/Clang vector extension: two doubles, one per channel.
  using Pair = double __attribute__((vector_size(16)));
  struct Section {
    Pair b0, b1, b2, a1, a2;
  };
  Section coef[kBands * kMaxEqSections];
  Pair s1[kBands * kMaxEqSections], s2[kBands * kMaxEqSections];
  for (int k = 0; k < count; ++k) {
    const CascadeSection& cs = cascade_[static_cast<std::size_t>(k)];
    coef[k] = {Pair{cs.b0[0], cs.b0[1]}, Pair{cs.b1[0], cs.b1[1]}, Pair{cs.b2[0], cs.b2[1]},
               Pair{cs.a1[0], cs.a1[1]}, Pair{cs.a2[0], cs.a2[1]}};
    s1[k] = Pair{cs.s1[0], cs.s1[1]};
    s2[k] = Pair{cs.s2[0], cs.s2[1]};
  }
  float* left = audio[0];
  float* right = audio[1];
  for (int i = 0; i < frames; ++i) {
    Pair x = {left[i], right[i]};
    for (int k = 0; k < count; ++k) {
      // The input terms first: only one operation after y sits on the
      // sample-to-sample recursion of each state.
      const Section& c = coef[k];
      const Pair y = c.b0 * x + s1[k];
      s1[k] = (c.b1 * x + s2[k]) - c.a1 * y;
      s2[k] = c.b2 * x - c.a2 * y;
      x = y;
    }
    left[i] = static_cast<float>(x[0]);
    right[i] = static_cast<float>(x[1]);
  }
  for (int k = 0; k < count; ++k) {
    const CascadeSection& cs = cascade_[static_cast<std::size_t>(k)];
    for (int lane = 0; lane < 2; ++lane) {
      if (cs.lane[lane] != nullptr) cs.lane[lane]->set_state(s1[k][lane], s2[k][lane]);
    }
  }
}

void Equalizer::apply_output_gain(float* const* audio, int frames) noexcept {
  if (!output_gain_.moving() && output_gain_.value() == 1.0) return;
  const double start = output_gain_.value();
  const double end = output_gain_.advance(frames);
  const double step = (end - start) / frames;
  for (int c = 0; c < channels_; ++c) {
    float* x = audio[c];
    for (int i = 0; i < frames; ++i) x[i] = static_cast<float>(x[i] * (start + step * (i + 1)));
  }
}

// A design with fewer sections than the band runs ramps the extra ones to
// identity (trim_sections drops them once there); one with more starts the
// new ones as identity, from rest, and ramps them in.
void Equalizer::set_coefficients(Band& b, const EqSections& design, int ramp_frames) noexcept {
  const int count = ramp_frames > 0 ? std::max(b.sections, design.count) : design.count;
  for (auto& chain : b.filters) {
    for (int s = 0; s < count; ++s) {
      Biquad& f = chain[static_cast<std::size_t>(s)];
      const BiquadCoefficients target = s < design.count
                                            ? design.sections[static_cast<std::size_t>(s)]
                                            : BiquadCoefficients::identity();
      if (ramp_frames > 0 && s >= b.sections) {
        f.set(BiquadCoefficients::identity());
        f.reset();
      }
      if (ramp_frames > 0)
        f.ramp_to(target, ramp_frames);
      else
        f.set(target);
    }
  }
  b.sections = count;
}

// Trailing sections that have come to rest at identity leave the band.
void Equalizer::trim_sections(Band& b) noexcept {
  auto at_identity = [&](int s) {
    for (const auto& chain : b.filters) {
      const Biquad& f = chain[static_cast<std::size_t>(s)];
      if (f.ramping() || !(f.coefficients() == BiquadCoefficients::identity())) return false;
    }
    return true;
  };
  while (b.sections > 0 && at_identity(b.sections - 1)) --b.sections;
}

void Equalizer::control_tick() noexcept {
  refinements_left_ = 1;
  for (int band = 0; band < kBands; ++band) update_band(band);
  // Idle: no control, fade, refinement, coefficient ramp or output gain moves
  // any more.
  bool idle = !output_gain_.moving();
  for (const Band& b : bands_) {
    if (!idle) break;
    idle = !b.log_freq.moving() && !b.gain_db.moving() && !b.log_q.moving() && !b.mix.moving() &&
           b.mix_from == b.mix_to && b.refined;
    for (int s = 0; s < b.sections && idle; ++s) {
      idle = !b.filters[0][static_cast<std::size_t>(s)].ramping() &&
             !b.filters[1][static_cast<std::size_t>(s)].ramping();
    }
  }
  idle_ = idle;
}

void Equalizer::update_band(int band) noexcept {
  Band& b = bands_[static_cast<std::size_t>(band)];
  const Settings& s = settings_[static_cast<std::size_t>(band)];
  const bool same_kind = s.type == b.type && s.slope == b.slope && s.channel == b.channel;

  // Discrete changes wait until the band has faded out.
  if (!same_kind && b.mix.value() == 0.0 && !b.mix.moving()) {
    Settings next = s;
    next.enabled = false;  // and fades in below
    snap_band(band, next);
  }
  if (s.type == b.type && s.slope == b.slope && s.channel == b.channel) {
    b.mix.set_target(s.enabled ? 1.0 : 0.0, smoothing_frames_);
  } else {
    b.mix.set_target(0.0, smoothing_frames_);
  }
  b.enabled = s.enabled;
  b.mix_from = b.mix.value();
  b.mix_to = b.mix.advance(kControlFrames);

  b.log_freq.set_target(std::log(s.freq_hz), smoothing_frames_);
  b.gain_db.set_target(s.gain_db, smoothing_frames_);
  b.log_q.set_target(std::log(s.q), smoothing_frames_);
  const bool moving = b.log_freq.moving() || b.gain_db.moving() || b.log_q.moving();
  if (moving || !b.refined) {
    if (moving) {
      b.log_freq.advance(kControlFrames);
      b.gain_db.advance(kControlFrames);
      b.log_q.advance(kControlFrames);
    }
    const EqBandShape shape{b.type, std::exp(b.log_freq.value()), b.gain_db.value(),
                            std::exp(b.log_q.value()), b.slope};
    const bool done = !b.log_freq.moving() && !b.gain_db.moving() && !b.log_q.moving();
    // A refinement costs about a millisecond: one per control period, so
    // bands that come to rest together take turns (and keep the closed form
    // until then).
    const bool refine = done && refinements_left_ > 0;
    if (refine) --refinements_left_;
    const EqSections design = refine ? design_refined(shape, spec_.sample_rate)
                                     : design_matched(shape, spec_.sample_rate);
    // A band that becomes neutral (or needs fewer sections) keeps running its
    // sections until they have ramped to identity; then it drops them.
    set_coefficients(b, design, kControlFrames);
    b.refined = refine;
  } else {
    trim_sections(b);
  }
}

// ---------------------------------------------------------------- linear phase

void Equalizer::process_linear(float* const* audio, int frames) noexcept {
  float* chunk[2];
  for (int done = 0; done < frames;) {
    const int offset = static_cast<int>(stream_frames_ % partition_);
    if (offset == 0 && stream_frames_ > 0) {
      bool changed = !designed_valid_;
      for (int band = 0; band < kBands && !changed; ++band) {
        changed = !(settings_[static_cast<std::size_t>(band)] ==
                    designed_[static_cast<std::size_t>(band)]);
      }
      if (changed) design_linear(true);
    }
    const int n = std::min(frames - done, partition_ - offset);
    for (int c = 0; c < channels_; ++c) chunk[c] = audio[c] + done;
    convolver_.process(chunk, n);
    apply_output_gain(chunk, n);
    stream_frames_ += n;
    done += n;
  }
}

// The target as a real 2x2 matrix per frequency, product of the bands in
// order: stereo g I; left diag(g, 1); right diag(1, g); mid and side
// T^-1 diag(g, 1) T and T^-1 diag(1, g) T with T the mid/side matrix.
void Equalizer::design_linear(bool crossfade) noexcept {
  designed_ = settings_;
  designed_valid_ = true;
  const double rate = spec_.sample_rate;
  std::array<AnalogPrototype, kBands> protos;
  std::array<EqChannel, kBands> modes{};
  int active = 0;
  for (int band = 0; band < kBands; ++band) {
    const Settings& s = settings_[static_cast<std::size_t>(band)];
    if (!s.enabled) continue;
    const EqBandShape shape{s.type, s.freq_hz, s.gain_db, s.q, s.slope};
    if (is_neutral(shape)) continue;
    protos[static_cast<std::size_t>(active)] = analog_prototype(shape, rate);
    modes[static_cast<std::size_t>(active)] = s.channel;
    ++active;
  }
  convolver_.begin_kernels();
  const int center = kernel_taps_ / 2;  // + partition = fir_length / 2
  if (active == 0) {
    for (int c = 0; c < channels_; ++c) convolver_.set_delay(c, c, center, 1.0f);
    convolver_.commit_kernels(crossfade);
    return;
  }
  const int bins = fir_length_ / 2 + 1;
  // The convolver takes stereo kernels in mid/side: stereo, mid and side bands
  // keep mid and side apart; only left and right bands mix them.
  bool cross = false;
  for (int i = 0; i < active && channels_ == 2; ++i) {
    const EqChannel mode = modes[static_cast<std::size_t>(i)];
    cross = cross || mode == EqChannel::left || mode == EqChannel::right;
  }
  for (int k = 0; k < bins; ++k) {
    const double w = 2.0 * std::numbers::pi * k / fir_length_;
    double m00 = 1.0, m01 = 0.0, m10 = 0.0, m11 = 1.0;
    for (int i = 0; i < active; ++i) {
      const double g = std::sqrt(protos[static_cast<std::size_t>(i)].magnitude2(w));
      switch (channels_ == 2 ? modes[static_cast<std::size_t>(i)] : EqChannel::stereo) {
        case EqChannel::stereo:
          m00 *= g;
          m01 *= g;
          m10 *= g;
          m11 *= g;
          break;
        case EqChannel::left:
          m00 *= g;
          m01 *= g;
          break;
        case EqChannel::right:
          m10 *= g;
          m11 *= g;
          break;
        case EqChannel::mid:
        case EqChannel::side: {
          const double d = modes[static_cast<std::size_t>(i)] == EqChannel::mid ? 0.5 * (g - 1.0)
                                                                                : 0.5 * (1.0 - g);
          const double e = 0.5 * (g + 1.0);  // diagonal of the band matrix
          const double n00 = e * m00 + d * m10, n01 = e * m01 + d * m11;
          const double n10 = d * m00 + e * m10, n11 = d * m01 + e * m11;
          m00 = n00;
          m01 = n01;
          m10 = n10;
          m11 = n11;
          break;
        }
      }
    }
    if (channels_ == 2) {
      // Into the mid/side domain: T M T^-1 with T = [1 1; 1 -1] / 2.
      const double c00 = m00 + m01, c01 = m00 - m01, c10 = m10 + m11, c11 = m10 - m11;
      m00 = 0.5 * (c00 + c10);
      m01 = 0.5 * (c01 + c11);
      m10 = 0.5 * (c00 - c10);
      m11 = 0.5 * (c01 - c11);
    }
    design_matrix_[0][static_cast<std::size_t>(k)] = static_cast<float>(m00);
    design_matrix_[1][static_cast<std::size_t>(k)] = static_cast<float>(m01);
    design_matrix_[2][static_cast<std::size_t>(k)] = static_cast<float>(m10);
    design_matrix_[3][static_cast<std::size_t>(k)] = static_cast<float>(m11);
  }
  const float inv_length = 1.0f / static_cast<float>(fir_length_);
  for (int out = 0; out < channels_; ++out) {
    for (int in = 0; in < channels_; ++in) {
      if (out != in && !cross) continue;
      const std::vector<float>& m = design_matrix_[static_cast<std::size_t>(out * 2 + in)];
      for (int k = 0; k < bins; ++k)
        design_spectrum_[static_cast<std::size_t>(k)] = {m[static_cast<std::size_t>(k)], 0.0f};
      // Zero phase: a real spectrum gives an even impulse response around 0.
      design_fft_->inverse(design_spectrum_.data(), design_impulse_.data());
      for (int n = 0; n < kernel_taps_; ++n) {
        const int at = ((n - center) % fir_length_ + fir_length_) % fir_length_;
        taps_[static_cast<std::size_t>(n)] = design_impulse_[static_cast<std::size_t>(at)] *
                                             inv_length * window_[static_cast<std::size_t>(n)];
      }
      drop_negligible_tails(taps_);
      convolver_.set_kernel(out, in, taps_.data(), kernel_taps_);
    }
  }
  convolver_.commit_kernels(crossfade);
}

}  // namespace lacquer::dsp
