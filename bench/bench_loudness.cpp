#include "bench_stage.hpp"

using lacquer::bench::StageBench;

static void BM_loudness_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "loudness", .block = int(state.range(0))});
}
BENCHMARK(BM_loudness_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

static void BM_loudness_5_1_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "loudness", .channels = 6});
}
BENCHMARK(BM_loudness_5_1_48k);
