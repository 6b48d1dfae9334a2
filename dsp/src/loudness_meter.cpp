#include <lacquer/dsp/loudness_meter.hpp>

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

namespace lacquer::dsp {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// BS.1770: L = -0.691 + 10 log10(sum of weighted channel mean squares).
double to_lufs(double energy) noexcept {
  return energy > 0.0 ? -0.691 + 10.0 * std::log10(energy) : kMinusInf;
}
double to_energy(double lufs) noexcept { return std::pow(10.0, (lufs + 0.691) / 10.0); }
double to_db(double linear) noexcept {
  return linear > 0.0 ? 20.0 * std::log10(linear) : kMinusInf;
}

constexpr Param kParams[] = {
    {.symbol = "reset", .label = "Reset",
     .doc = "Restarts integrated loudness, loudness range and peak hold.",
     .unit = Unit::trigger, .min = 0, .max = 1, .def = 0},
    {.symbol = "momentary", .label = "Momentary loudness",
     .doc = "Loudness of the last 400 ms (BS.1770, EBU Tech 3341).",
     .unit = Unit::lufs, .min = -120, .max = 10, .def = -120, .direction = Direction::meter},
    {.symbol = "short_term", .label = "Short-term loudness",
     .doc = "Loudness of the last 3 s (EBU Tech 3341).",
     .unit = Unit::lufs, .min = -120, .max = 10, .def = -120, .direction = Direction::meter},
    {.symbol = "integrated", .label = "Integrated loudness",
     .doc = "Gated loudness since the start or the last reset (BS.1770: -70 LUFS absolute, -10 LU relative gate).",
     .unit = Unit::lufs, .min = -120, .max = 10, .def = -120, .direction = Direction::meter},
    {.symbol = "loudness_range", .label = "Loudness range",
     .doc = "Spread of short-term loudness, 95th minus 10th percentile after gating (EBU Tech 3342).",
     .unit = Unit::lu, .min = 0, .max = 60, .def = 0, .direction = Direction::meter},
    {.symbol = "sample_peak", .label = "Sample peak",
     .doc = "Highest absolute sample value since the start or the last reset.",
     .unit = Unit::dbfs, .min = -120, .max = 20, .def = -120, .direction = Direction::meter,
     .per_channel = true},
    {.symbol = "true_peak", .label = "True peak",
     .doc = "Highest inter-sample peak since the start or the last reset (BS.1770 Annex 2: 4x oversampled, 8x below 44.1 kHz, refined between points).",
     .unit = Unit::dbtp, .min = -120, .max = 20, .def = -120, .direction = Direction::meter,
     .per_channel = true},
};
static_assert(std::size(kParams) == LoudnessMeter::kCount);

constexpr int kLv2Channels[] = {2, 1, 6};  // stereo, mono, 5.1 (L R C LFE Ls Rs)

constexpr StageInfo kInfo{
    .symbol = "loudness",
    .name = "Lacquer Loudness Meter",
    .summary = "EBU R128 / BS.1770 loudness meter: momentary, short-term, integrated, "
               "loudness range, sample and true peak",
    .lv2_class = "AnalyserPlugin",
    .gst_klass = "Filter/Analyzer/Audio",
    .example = "gst-launch-1.0 -m filesrc location=mix.flac ! decodebin ! audioconvert ! "
               "masterloudness ! fakesink",
    .params = kParams,
    .min_channels = 1,
    .max_channels = kMaxChannels,
    .lv2_channels = kLv2Channels,
    .min_rate = 8000,
    .max_rate = 192000,
    .analyser = true,
};

}  // namespace

const StageInfo& loudness_info() noexcept { return kInfo; }

// ---------------------------------------------------------------- histogram

LoudnessHistogram::LoudnessHistogram() : count_(kBins, 0), energy_(kBins, 0.0) {}

void LoudnessHistogram::clear() noexcept {
  std::fill(count_.begin(), count_.end(), 0);
  std::fill(energy_.begin(), energy_.end(), 0.0);
  total_count_ = 0;
}

int LoudnessHistogram::bin_of(double lufs) const noexcept {
  const double position = std::floor((lufs - kFloorLufs) / kBinLu);
  return static_cast<int>(std::clamp(position, 0.0, double(kBins - 1)));
}

void LoudnessHistogram::add(double energy) noexcept {
  const double lufs = to_lufs(energy);
  if (!(lufs >= kFloorLufs)) return;  // absolute gate
  const int bin = bin_of(lufs);
  ++count_[bin];
  energy_[bin] += energy;
  ++total_count_;
}

double LoudnessHistogram::gated_loudness(double relative_gate_lu) const noexcept {
  if (total_count_ == 0) return kMinusInf;
  double sum = 0.0;
  for (double e : energy_) sum += e;
  const int gate_bin = bin_of(to_lufs(sum / double(total_count_)) + relative_gate_lu);
  double gated_sum = 0.0;
  long long gated_count = 0;
  for (int b = gate_bin; b < kBins; ++b) {
    gated_sum += energy_[b];
    gated_count += count_[b];
  }
  return gated_count > 0 ? to_lufs(gated_sum / double(gated_count)) : kMinusInf;
}

double LoudnessHistogram::range() const noexcept {
  if (total_count_ == 0) return 0.0;
  double sum = 0.0;
  for (double e : energy_) sum += e;
  const int gate_bin = bin_of(to_lufs(sum / double(total_count_)) - 20.0);  // Tech 3342
  long long gated = 0;
  for (int b = gate_bin; b < kBins; ++b) gated += count_[b];
  if (gated == 0) return 0.0;
  // Nearest-rank percentiles of the gated values, read off the histogram.
  auto percentile = [&](double p) {
    const long long rank = static_cast<long long>(std::llround(double(gated - 1) * p));
    long long seen = 0;
    for (int b = gate_bin; b < kBins; ++b) {
      seen += count_[b];
      if (seen > rank) return kFloorLufs + (b + 0.5) * kBinLu;
    }
    return kCeilingLufs;
  };
  return percentile(0.95) - percentile(0.10);
}

// ---------------------------------------------------------------- meter

LoudnessMeter::LoudnessMeter() : Stage(kInfo) {}
LoudnessMeter::~LoudnessMeter() = default;

void LoudnessMeter::prepare(const ProcessSpec& spec) {
  spec_ = spec;
  ebur128_.prepare(spec, EBUR128_MODE_S | EBUR128_MODE_SAMPLE_PEAK);
  hop_frames_ = ebur128_.hop_frames();
  true_peak_detectors_.resize(static_cast<std::size_t>(spec.channels));
  for (TruePeakDetector& detector : true_peak_detectors_) {
    detector.prepare(spec.sample_rate, spec.max_block);
  }
  true_peak_estimates_.assign(static_cast<std::size_t>(spec.max_block), 0.0f);
  reset();
}

void LoudnessMeter::reset() noexcept {
  gating_blocks_.clear();
  short_term_blocks_.clear();
  frames_to_hop_ = hop_frames_;
  frames_since_reset_ = 0;
  sample_peak_.fill(0.0);
  true_peak_.fill(0.0);
  pending_peak_.fill(0.0);
  pending_peaks_stale_ = false;
  for (TruePeakDetector& detector : true_peak_detectors_) detector.reset();
}

void LoudnessMeter::process(float* const* audio, int frames) noexcept {
  if (take_trigger(kReset)) reset();
  // Feed libebur128 in pieces that end on 100 ms boundaries, so the 400 ms and
  // 3 s windows can be sampled exactly every 100 ms (75 % overlap gating
  // blocks, BS.1770-4 section 5.1; short-term at 10 Hz, Tech 3342).
  for (int done = 0; done < frames;) {
    const int n = std::min(frames - done, frames_to_hop_);
    add_block(audio, done, n);
    done += n;
    frames_to_hop_ -= n;
    frames_since_reset_ += n;
    if (frames_to_hop_ == 0) {
      on_hop();
      frames_to_hop_ = hop_frames_;
    }
  }
  pending_peaks_stale_ = true;
}

void LoudnessMeter::update_pending_peaks() const noexcept {
  if (!pending_peaks_stale_) return;
  for (int c = 0; c < spec_.channels; ++c) {
    pending_peak_[c] = true_peak_detectors_[static_cast<std::size_t>(c)].pending_peak();
  }
  pending_peaks_stale_ = false;
}

void LoudnessMeter::add_block(float* const* audio, int offset, int frames) noexcept {
  ebur128_.add(audio, offset, frames);
  float* estimates = true_peak_estimates_.data();
  for (int c = 0; c < spec_.channels; ++c) {
    sample_peak_[c] = std::max(sample_peak_[c], ebur128_.last_sample_peak(c));
    true_peak_detectors_[static_cast<std::size_t>(c)].process(audio[c] + offset, estimates, frames);
    const float largest = *std::max_element(estimates, estimates + frames);
    true_peak_[c] = std::max(true_peak_[c], double(largest));
  }
}

void LoudnessMeter::on_hop() noexcept {
  if (frames_since_reset_ >= 4LL * hop_frames_) {
    const double lufs = ebur128_.momentary();
    if (std::isfinite(lufs)) gating_blocks_.add(to_energy(lufs));
  }
  if (frames_since_reset_ >= 30LL * hop_frames_) {
    const double lufs = ebur128_.short_term();
    if (std::isfinite(lufs)) short_term_blocks_.add(to_energy(lufs));
  }
}

double LoudnessMeter::momentary() const noexcept {
  return frames_since_reset_ >= 4LL * hop_frames_ ? ebur128_.momentary() : kMinusInf;
}

double LoudnessMeter::short_term() const noexcept {
  return frames_since_reset_ >= 30LL * hop_frames_ ? ebur128_.short_term() : kMinusInf;
}

double LoudnessMeter::integrated() const noexcept { return gating_blocks_.gated_loudness(-10.0); }

double LoudnessMeter::loudness_range() const noexcept { return short_term_blocks_.range(); }

double LoudnessMeter::sample_peak_db(int channel) const noexcept {
  if (channel >= 0) return to_db(sample_peak_[static_cast<std::size_t>(channel)]);
  return to_db(*std::max_element(sample_peak_.begin(), sample_peak_.begin() + spec_.channels));
}

double LoudnessMeter::true_peak_db(int channel) const noexcept {
  update_pending_peaks();
  auto peak_of = [&](int c) {
    const auto i = static_cast<std::size_t>(c);
    return std::max(true_peak_[i], pending_peak_[i]);
  };
  if (channel >= 0) return to_db(peak_of(channel));
  double largest = 0.0;
  for (int c = 0; c < spec_.channels; ++c) largest = std::max(largest, peak_of(c));
  return to_db(largest);
}

float LoudnessMeter::meter(int index, int channel) const noexcept {
  switch (index) {
    case kMomentary: return static_cast<float>(momentary());
    case kShortTerm: return static_cast<float>(short_term());
    case kIntegrated: return static_cast<float>(integrated());
    case kRange: return static_cast<float>(loudness_range());
    case kSamplePeak: return static_cast<float>(sample_peak_db(channel));
    case kTruePeak: return static_cast<float>(true_peak_db(channel));
    default: return 0.0f;
  }
}

}  // namespace lacquer::dsp
