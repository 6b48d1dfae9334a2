#include <lacquer/dsp/loudness_normaliser.hpp>

#include "bench_stage.hpp"

using lacquer::bench::StageBench;
using Norm = lacquer::dsp::LoudnessNormaliser;

// Radio speed, default 1.5 s lookahead and the true-peak limiter: the whole
// stage as masternorm runs it.
static void BM_norm_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "norm",
                                                    .block = int(state.range(0)),
                                                    .configure = [](lacquer::dsp::Stage& s) {
                                                      s.set(Norm::kSpeed, float(Norm::kRadio));
                                                    }});
}
BENCHMARK(BM_norm_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

static void BM_norm_5_1_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "norm", .channels = 6});
}
BENCHMARK(BM_norm_5_1_48k);
