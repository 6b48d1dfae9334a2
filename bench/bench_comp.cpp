#include "bench_stage.hpp"

#include <lacquer/dsp/compressor.hpp>

using lacquer::bench::StageBench;
using lacquer::dsp::Compressor;

// Default settings: peak detector, linked stereo, compressing the -18 dBFS
// programme by a few dB.
static void BM_comp_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "comp", .block = int(state.range(0))});
}
BENCHMARK(BM_comp_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

// Every feature on: RMS detector, mid/side, sidechain high-pass, auto
// release and make-up, parallel mix, 5 ms lookahead.
static void BM_comp_stereo_48k_all_features(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "comp", .configure = [](lacquer::dsp::Stage& s) {
    s.set(Compressor::kDetector, 1);
    s.set(Compressor::kMode, 1);
    s.set(Compressor::kSidechainHpf, 100);
    s.set(Compressor::kAutoRelease, 1);
    s.set(Compressor::kAutoMakeup, 1);
    s.set(Compressor::kMix, 70);
    s.set(Compressor::kLookahead, 5);
  }});
}
BENCHMARK(BM_comp_stereo_48k_all_features);
