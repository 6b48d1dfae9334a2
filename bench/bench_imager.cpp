#include "bench_stage.hpp"

#include <lacquer/dsp/stereo_imager.hpp>

using lacquer::bench::StageBench;
using Imager = lacquer::dsp::StereoImager;

// What issue 5 asks to time: three-band width plus bass mono, with the meters.
static void BM_imager_3band_bass_mono_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(state, StageBench{.stage = "imager",
                                                    .block = int(state.range(0)),
                                                    .configure = [](lacquer::dsp::Stage& s) {
                                                      s.set(Imager::kWidth, 120.0f);
                                                      s.set(Imager::kMultiband, 1.0f);
                                                      s.set(Imager::kBandWidth + 0, 60.0f);
                                                      s.set(Imager::kBandWidth + 1, 110.0f);
                                                      s.set(Imager::kBandWidth + 2, 150.0f);
                                                      s.set(Imager::kBassMono, 1.0f);
                                                      s.set(Imager::kBassMonoFrequency, 120.0f);
                                                    }});
}
BENCHMARK(BM_imager_3band_bass_mono_stereo_48k)->Arg(64)->Arg(512)->Arg(4096);

// Everything on: the above plus rotation and the width safety.
static void BM_imager_everything_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, StageBench{.stage = "imager", .configure = [](lacquer::dsp::Stage& s) {
                          s.set(Imager::kWidth, 150.0f);
                          s.set(Imager::kMultiband, 1.0f);
                          s.set(Imager::kBassMono, 1.0f);
                          s.set(Imager::kRotation, 5.0f);
                          s.set(Imager::kSafety, 1.0f);
                        }});
}
BENCHMARK(BM_imager_everything_stereo_48k);

// Width only (no crossovers running): the floor cost of the stage and meters.
static void BM_imager_width_only_stereo_48k(benchmark::State& state) {
  lacquer::bench::run_stage_bench(
      state, StageBench{.stage = "imager", .configure = [](lacquer::dsp::Stage& s) {
                          s.set(Imager::kWidth, 130.0f);
                        }});
}
BENCHMARK(BM_imager_width_only_stereo_48k);
