// Mastering EQ: 8 active bands on stereo 48 kHz, minimum and linear phase.
#include <lacquer/dsp/equalizer.hpp>

#include "bench_stage.hpp"

using lacquer::bench::StageBench;
using lacquer::dsp::Equalizer;

namespace {

// Eight bands that all do something: cuts, shelves, bells (one on the side),
// a tilt.
void eight_bands(lacquer::dsp::Stage& eq, bool linear) {
  struct Band {
    float type, freq, gain, q, slope, channel;
  };
  constexpr Band kBands[Equalizer::kBands] = {
      {3, 25, 0, 0.707f, 3, 0},     // low cut 24 dB/oct
      {1, 80, 2, 0.707f, 1, 0},     // low shelf
      {0, 250, -1.5f, 0.8f, 1, 0},  // bell
      {0, 800, 1, 1.2f, 1, 0},      // bell
      {0, 3000, -2, 2, 1, 0},       // bell
      {0, 6000, 1.5f, 1, 1, 4},     // bell on the side
      {2, 12000, 1, 0.707f, 1, 0},  // high shelf
      {4, 20000, 0, 0.707f, 1, 0},  // high cut 12 dB/oct
  };
  for (int b = 0; b < Equalizer::kBands; ++b) {
    const Band& band = kBands[b];
    eq.set(Equalizer::band_param(b, Equalizer::kType), band.type);
    eq.set(Equalizer::band_param(b, Equalizer::kFreq), band.freq);
    eq.set(Equalizer::band_param(b, Equalizer::kGain), band.gain);
    eq.set(Equalizer::band_param(b, Equalizer::kQ), band.q);
    eq.set(Equalizer::band_param(b, Equalizer::kSlope), band.slope);
    eq.set(Equalizer::band_param(b, Equalizer::kChannel), band.channel);
  }
  eq.set(Equalizer::kPhase, linear ? 1.0f : 0.0f);
}

}  // namespace

static void BM_eq_minimum_8_bands_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, StageBench{.stage = "eq",
                        .block = int(state.range(0)),
                        .configure = [](lacquer::dsp::Stage& eq) { eight_bands(eq, false); }});
}
BENCHMARK(BM_eq_minimum_8_bands_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

static void BM_eq_linear_8_bands_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, StageBench{.stage = "eq",
                        .block = int(state.range(0)),
                        .configure = [](lacquer::dsp::Stage& eq) { eight_bands(eq, true); }});
}
BENCHMARK(BM_eq_linear_8_bands_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

// The design a band settles on, made in process() once its controls rest (at
// most one per 32-frame control period): a bell one section matches (arg 0),
// and a +12 dB bell at 16 kHz, Q 0.5, at 44.1 kHz that takes a fitted pair
// of sections (arg 1). Time per design.
static void BM_eq_design_refined(benchmark::State& state) {
  using lacquer::dsp::EqBandType;
  const lacquer::dsp::EqBandShape shapes[] = {{EqBandType::bell, 1000.0, 3.0, 1.0, 12},
                                              {EqBandType::bell, 16000.0, 12.0, 0.5, 12}};
  const lacquer::dsp::EqBandShape& shape = shapes[state.range(0)];
  for (auto _ : state) benchmark::DoNotOptimize(lacquer::dsp::design_refined(shape, 44100.0));
}
BENCHMARK(BM_eq_design_refined)->Arg(0)->Arg(1);
