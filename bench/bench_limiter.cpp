// The true-peak limiter, stereo 48 kHz, true-peak detection on (4x), driven
// 6 dB into a -1 dBTP ceiling so the gain is always moving.
#include <lacquer/dsp/limiter_stage.hpp>

#include "bench_stage.hpp"

using lacquer::bench::StageBench;
using lacquer::dsp::LimiterStage;

namespace {

void driven(lacquer::dsp::Stage& stage) {
  stage.set(LimiterStage::kDrive, 6.0f);
  stage.set(LimiterStage::kCeiling, -1.0f);
}

}  // namespace

static void BM_limiter_stereo_48k_true_peak(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, StageBench{.stage = "limiter", .block = int(state.range(0)), .configure = driven});
}
BENCHMARK(BM_limiter_stereo_48k_true_peak)->Arg(64)->Arg(512)->Arg(4096);

static void BM_limiter_stereo_48k_sample_peak(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state,
                                  StageBench{.stage = "limiter", .configure = [](auto& stage) {
                                               driven(stage);
                                               stage.set(LimiterStage::kTruePeak, 0.0f);
                                             }});
}
BENCHMARK(BM_limiter_stereo_48k_sample_peak);

static void BM_limiter_stereo_96k_true_peak(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, StageBench{.stage = "limiter", .rate = 96000.0, .configure = driven});
}
BENCHMARK(BM_limiter_stereo_96k_true_peak);
