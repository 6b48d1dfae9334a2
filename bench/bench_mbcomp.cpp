#include "bench_stage.hpp"

#include <lacquer/dsp/multiband_compressor.hpp>

using lacquer::bench::StageBench;
using MB = lacquer::dsp::MultibandCompressor;

// Four bands (the default splits 120 Hz, 1 kHz, 5 kHz), every band
// compressing the -18 dBFS programme; crossover 0 = iir, 1 = linear phase.
static void BM_mbcomp_4_bands_stereo_48k(benchmark::State& state) {
  const float crossover = float(state.range(0));
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "mbcomp", .configure = [crossover](lacquer::dsp::Stage& s) {
    s.set(MB::kBands, 4);
    s.set(MB::kCrossoverType, crossover);
    for (int b = 0; b < 4; ++b) s.set(MB::band_param(b, MB::kThreshold), -30);
  }});
  state.SetLabel(crossover > 0.5f ? "linear" : "iir");
}
BENCHMARK(BM_mbcomp_4_bands_stereo_48k)->Arg(0)->Arg(1);
