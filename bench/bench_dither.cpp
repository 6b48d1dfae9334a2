#include "bench_stage.hpp"

#include <lacquer/dsp/dither.hpp>

using lacquer::bench::StageBench;
using lacquer::dsp::Dither;
using lacquer::dsp::DitherType;
using lacquer::dsp::NoiseShapingCurve;

namespace {

StageBench dither_to_16_bits(DitherType type, NoiseShapingCurve curve, int block) {
  return StageBench{.stage = "dither", .block = block, .configure = [=](lacquer::dsp::Stage& s) {
                      s.set(Dither::kBits, 16.0f);
                      s.set(Dither::kType, float(int(type)));
                      s.set(Dither::kShape, float(int(curve)));
                    }};
}

}  // namespace

// The case: stereo 48 kHz, shaped TPDF to 16 bits (the 9-tap curve is
// the most work per sample).
static void BM_dither_shaped_aggressive_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state,
      dither_to_16_bits(DitherType::shaped, NoiseShapingCurve::aggressive, int(state.range(0))));
}
BENCHMARK(BM_dither_shaped_aggressive_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

static void BM_dither_shaped_gentle_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, dither_to_16_bits(DitherType::shaped, NoiseShapingCurve::gentle, 512));
}
BENCHMARK(BM_dither_shaped_gentle_stereo_48k);

static void BM_dither_tpdf_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, dither_to_16_bits(DitherType::tpdf, NoiseShapingCurve::gentle, 512));
}
BENCHMARK(BM_dither_tpdf_stereo_48k);
