// libFuzzer target for one dsp stage (LACQUER_FUZZ_STAGE, one executable per
// stage). The input picks a sample rate, a channel count the stage accepts,
// a largest block, and whether the stage runs in its StageRunner (as both
// faces run it) or is called directly within Stage::process's contract
// (finite input, at most max_block frames). Then, block after block: random
// parameter changes (any control, any float, NaN and ±Inf included), bypass
// and reset, and audio of any size from 1 to 8192 frames (raw float bit
// patterns, hostile values, scaled noise, silence, full-scale sines), and
// meter reads between blocks.
//
// After every block it checks what the stage promises:
//   every output sample is finite and below the stage's bound (OutputBound);
//   latency() <= max_latency();
//   no meter reads NaN.
// AddressSanitizer and UndefinedBehaviorSanitizer report the rest.
// LACQUER_FUZZ_TRACE=1 prints what an input does (to reproduce a finding in
// a test).
#include "common/fuzzed_audio.hpp"

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#ifndef LACQUER_FUZZ_STAGE
#error "LACQUER_FUZZ_STAGE must name the stage"
#endif

namespace {

using namespace lacquer;

constexpr int kMaxFrames = 8192;        // largest block the input asks for
constexpr int kFramesPerInput = 65536;  // keeps one input fast under the sanitizers
constexpr int kCallsPerInput = 4096;    // Stage::process calls (the runner splits blocks)
constexpr int kMaxSteps = 96;
constexpr float kMaxSample = dsp::StageRunner::kMaxSample;

const bool g_trace = std::getenv("LACQUER_FUZZ_TRACE") != nullptr;

[[noreturn]] void fail(const char* what, double value = 0.0) {
  std::fprintf(stderr, "fuzz-stage-%s: %s (%g)\n", LACQUER_FUZZ_STAGE, what, value);
  std::abort();
}

// How loud the output may be, against the loudest input the stage has had
// since its last reset (as the stage sees it: non-finite samples silenced,
// huge ones clipped to StageRunner::kMaxSample).
// The factors are the largest gains the parameter tables allow, stacked:
//   eq       output gain 24 dB, eight bands each up to 24 dB of boost or
//            a Q-18 resonance (25 dB): a loose 240 dB;
//   comp     make-up 24 dB plus auto make-up up to 60 dB, twice for mid/side;
//   mbcomp   the same for each of five bands, with crossover overshoot;
//   imager   mid and side +12 dB, width and band width 200 %, L = M + S;
// while the limiter and the normaliser hold the output under their ceiling
// (at most 0 dBTP, so every sample within ±1, with 0.01 dB to spare), the
// dither's output lies on its integer grid within ±1, and the loudness meter
// passes its input through untouched. Once bypass has been switched, the
// dry input may be in the output too.
struct OutputBound {
  double gain = 1.0;        // times the loudest input
  double absolute = 0.0;    // or this, whichever is larger
  bool identity = false;    // the output is the (sanitised) input
  bool on_bits_grid = false;

  static OutputBound of(std::string_view stage) {
    if (stage == "eq") return {1e12, 0.0};
    if (stage == "comp") return {2.0 * 1.6e4 + 1.0, 0.0};
    if (stage == "mbcomp") return {5.0 * 2.0 * 2.0 * 1.6e4 + 1.0, 0.0};
    if (stage == "imager") return {64.0, 0.0};
    if (stage == "limiter" || stage == "norm") return {0.0, 1.00116};  // +0.01 dB
    if (stage == "dither") return {0.0, 1.0, false, true};
    if (stage == "loudness") return {1.0, 0.0, true};
    return {1e12, 0.0};  // a stage without a bound of its own: finite at least
  }
};

class StageFuzzer {
 public:
  explicit StageFuzzer(FuzzedDataProvider& in)
      : in_(in), entry_(*dsp::find_stage(LACQUER_FUZZ_STAGE)), bound_(OutputBound::of(LACQUER_FUZZ_STAGE)),
        runner_(entry_.create()) {}

  void run() {
    const dsp::StageInfo& info = *entry_.info;
    dsp::ProcessSpec spec;
    spec.sample_rate = in_.ConsumeIntegralInRange<int>(info.min_rate, info.max_rate);
    spec.channels = in_.ConsumeIntegralInRange<int>(info.min_channels, info.max_channels);
    spec.layout = dsp::ProcessSpec::default_layout(spec.channels);
    spec.max_block = in_.ConsumeIntegralInRange<int>(1, kMaxFrames);
    direct_ = in_.ConsumeBool();
    if (g_trace) {
      std::fprintf(stderr, "prepare rate %g, %d channels, max block %d, %s\n", spec.sample_rate,
                   spec.channels, spec.max_block, direct_ ? "direct" : "runner");
    }
    // Settings before prepare() must hold too.
    change_parameters();
    runner_.prepare(spec);
    audio_.assign(static_cast<std::size_t>(spec.channels),
                  std::vector<float>(static_cast<std::size_t>(kMaxFrames)));
    dry_ = audio_;
    pointers_.resize(audio_.size());
    forget_history();
    int frames_done = 0;
    for (int step = 0; step < kMaxSteps && frames_done < kFramesPerInput &&
                       calls_ < kCallsPerInput && in_.remaining_bytes() > 0;
         ++step) {
      switch (in_.ConsumeIntegral<std::uint8_t>() % 9) {
        case 0: change_parameters(); break;
        case 3: read_meters(spec.channels); break;
        case 1:
          if (!direct_) {
            runner_.set_bypass(in_.ConsumeBool());
            if (g_trace) std::fprintf(stderr, "bypass %d\n", int(runner_.bypass()));
            bypass_touched_ = true;
          }
          break;
        case 2:
          if (direct_) {
            runner_.stage().reset();
          } else {
            runner_.reset();
          }
          forget_history();
          if (g_trace) std::fprintf(stderr, "reset\n");
          break;
        default: frames_done += process_block(spec); break;
      }
      check_latency();
    }
  }

 private:
  void change_parameters() {
    dsp::Stage& stage = runner_.stage();
    const int count = stage.param_count();
    for (int n = in_.ConsumeIntegralInRange<int>(1, 4); n > 0 && count > 0; --n) {
      const int index = in_.ConsumeIntegralInRange<int>(-1, count);  // one past each end too
      const dsp::Param* p = index >= 0 && index < count ? dsp::param_at(stage.info(), index).param
                                                          : dsp::param_at(stage.info(), 0).param;
      const float value = fuzz::control_value(in_, *p);
      if (g_trace) std::fprintf(stderr, "set %d = %g\n", index, double(value));
      stage.set(index, value);
    }
  }

  void forget_history() {
    input_peak_ = 0.0;
    bypass_touched_ = runner_.bypass();
  }

  int process_block(const dsp::ProcessSpec& spec) {
    const int limit = direct_ ? spec.max_block
                              : std::min(kMaxFrames, (kCallsPerInput - calls_) * spec.max_block);
    const int frames = in_.ConsumeIntegralInRange<int>(1, limit);
    calls_ += direct_ ? 1 : (frames + spec.max_block - 1) / spec.max_block;
    fuzz::fill_block(in_, audio_, frames);
    if (g_trace) {
      std::fprintf(stderr, "block %d frames:", frames);
      for (std::size_t i = 0; i < std::min<std::size_t>(8, std::size_t(frames)); ++i) {
        std::fprintf(stderr, " %g", double(audio_[0][i]));
      }
      std::fprintf(stderr, " ...\n");
    }
    const auto n = static_cast<std::size_t>(frames);
    for (std::size_t c = 0; c < audio_.size(); ++c) {
      for (std::size_t i = 0; i < n; ++i) {
        float& x = audio_[c][i];
        // Within the contract a stage never sees non-finite samples nor
        // finite ones beyond kMaxSample; the runner replaces the former with
        // silence and clips the latter, and so does a direct caller.
        dry_[c][i] = std::isfinite(x) ? std::clamp(x, -kMaxSample, kMaxSample) : 0.0f;
        if (direct_) x = dry_[c][i];
        input_peak_ = std::max(input_peak_, std::fabs(double(dry_[c][i])));
      }
      pointers_[c] = audio_[c].data();
    }
    if (direct_) {
      runner_.stage().process(pointers_.data(), frames);
    } else {
      runner_.process(pointers_.data(), frames);
    }
    check_output(frames);
    return frames;
  }

  void check_output(int frames) {
    const bool wet_only = !bypass_touched_;
    const double limit = wet_only ? std::max(bound_.gain * input_peak_, bound_.absolute)
                                  : std::max(std::max(bound_.gain, 1.0) * input_peak_,
                                             std::max(bound_.absolute, 1.0));
    const dsp::Stage& stage = runner_.stage();
    const int bits_index = bound_.on_bits_grid ? dsp::find_param(stage.info(), "bits") : -1;
    const double grid = bits_index >= 0 ? std::ldexp(1.0, int(stage.get(bits_index)) - 1) : 0.0;
    for (std::size_t c = 0; c < audio_.size(); ++c) {
      for (std::size_t i = 0; i < static_cast<std::size_t>(frames); ++i) {
        const float y = audio_[c][i];
        if (!std::isfinite(y)) fail("non-finite output sample", double(y));
        if (std::fabs(double(y)) > limit) fail("output sample above the stage's bound", double(y));
        if (bound_.identity && y != dry_[c][i]) fail("an analyser changed its input", double(y));
        if (grid > 0.0 && wet_only && double(y) * grid != std::round(double(y) * grid)) {
          fail("dither output off its bits grid", double(y));
        }
      }
    }
  }

  void read_meters(int channels) {
    const dsp::Stage& stage = runner_.stage();
    for (int index = 0; index < stage.param_count(); ++index) {
      if (!dsp::param_at(stage.info(), index).param->is_meter()) continue;
      for (int c = -1; c < channels; ++c) {
        if (std::isnan(stage.meter(index, c))) fail("a meter reads NaN", double(index));
      }
    }
  }

  void check_latency() {
    const dsp::Stage& stage = runner_.stage();
    if (stage.latency() < 0 || stage.latency() > stage.max_latency()) {
      fail("latency() outside 0..max_latency()", double(stage.latency()));
    }
  }

  FuzzedDataProvider& in_;
  const dsp::StageEntry& entry_;
  const OutputBound bound_;
  dsp::StageRunner runner_;
  bool direct_ = false;
  bool bypass_touched_ = false;
  int calls_ = 0;
  double input_peak_ = 0.0;
  std::vector<std::vector<float>> audio_;
  std::vector<std::vector<float>> dry_;
  std::vector<float*> pointers_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  StageFuzzer(in).run();
  return 0;
}
