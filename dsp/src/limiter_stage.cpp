#include <lacquer/dsp/limiter_stage.hpp>

#include <cmath>

namespace lacquer::dsp {
namespace {

constexpr Param kParams[] = {
    {.symbol = "ceiling", .label = "Ceiling",
     .doc = "Highest level the output may reach, in true peak (BS.1770) or sample peak.",
     .unit = Unit::dbtp, .min = -20, .max = 0, .def = -1, .smoothing_ms = 20},
    {.symbol = "drive", .label = "Drive",
     .doc = "Gain applied before limiting: pushes the programme into the ceiling.",
     .unit = Unit::db, .min = 0, .max = 24, .def = 0, .smoothing_ms = 20},
    {.symbol = "lookahead", .label = "Lookahead",
     .doc = "Time the gain takes to come down before a peak; the latency is this plus 53 samples of true-peak detection.",
     .unit = Unit::ms, .min = 0.5f, .max = 10, .def = 1.5f},
    {.symbol = "release", .label = "Release",
     .doc = "Time constant with which the gain recovers after a peak.",
     .unit = Unit::ms, .min = 1, .max = 2000, .def = 50, .taper = Taper::log},
    {.symbol = "auto_release", .label = "Auto release",
     .doc = "Short peaks recover ten times faster than the release time, down to the standing gain reduction.",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 1},
    {.symbol = "link", .label = "Channel link",
     .doc = "How far each channel follows the most reduced one (100 %: one gain for all, the image stays put).",
     .unit = Unit::percent, .min = 0, .max = 100, .def = 100},
    {.symbol = "true_peak", .label = "True peak",
     .doc = "Detect inter-sample peaks with an oversampled detector (off: sample peaks only).",
     .unit = Unit::toggle, .min = 0, .max = 1, .def = 1},
    {.symbol = "gain_reduction", .label = "Gain reduction",
     .doc = "Deepest gain reduction in the last block.",
     .unit = Unit::db, .min = 0, .max = 60, .def = 0, .direction = Direction::meter,
     .per_channel = true},
};
static_assert(std::size(kParams) == LimiterStage::kCount);

constexpr int kLv2Channels[] = {2, 1};

constexpr StageInfo kInfo{
    .symbol = "limiter",
    .name = "Lacquer True-Peak Limiter",
    .summary = "Brick-wall limiter with lookahead whose output stays under the ceiling in "
               "true peak",
    .lv2_class = "LimiterPlugin",
    .gst_klass = "Filter/Effect/Audio",
    .example = "gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! "
               "masterlimiter ceiling=-1 drive=6 ! audioconvert ! flacenc ! "
               "filesink location=out.flac",
    .params = kParams,
    .min_channels = 1,
    .max_channels = TruePeakLimiter::kMaxChannels,
    .lv2_channels = kLv2Channels,
    .min_rate = 22050,
    .max_rate = 192000,
};

}  // namespace

const StageInfo& limiter_info() noexcept { return kInfo; }

LimiterStage::LimiterStage() : Stage(kInfo) {}

void LimiterStage::apply_params() noexcept {
  limiter_.set_ceiling_dbtp(param(kCeiling));
  limiter_.set_drive_db(param(kDrive));
  limiter_.set_lookahead_ms(param(kLookahead));
  limiter_.set_release_ms(param(kRelease));
  limiter_.set_auto_release(param(kAutoRelease) > 0.5f);
  limiter_.set_link(param(kLink) / 100.0);
  limiter_.set_true_peak(param(kTruePeak) > 0.5f);
}

void LimiterStage::prepare(const ProcessSpec& spec) {
  apply_params();
  limiter_.prepare(spec.sample_rate, spec.channels, spec.max_block);
}

void LimiterStage::reset() noexcept {
  apply_params();
  limiter_.reset();
  fresh_ = true;
}

void LimiterStage::process(float* const* audio, int frames) noexcept {
  apply_params();
  // Controls set before the first block (a host connecting its ports, an
  // element's properties) hold from the first frame: no glide, no lookahead
  // switch fade. reset() only clears state and never allocates.
  if (fresh_) {
    limiter_.reset();
    fresh_ = false;
  }
  limiter_.process(audio, frames);
}

// The lookahead in the table, not the one last applied: a host that asks after
// changing it gets the latency the next block will have.
int LimiterStage::latency() const noexcept {
  return limiter_.latency_for(param(kLookahead));
}

float LimiterStage::meter(int index, int channel) const noexcept {
  if (index != kGainReduction) return 0.0f;
  return static_cast<float>(limiter_.gain_reduction_db(channel));
}

}  // namespace lacquer::dsp
