// Shared harness for the per-stage benchmarks: runs a stage through its runner
// on stereo 48 kHz noise-like programme and reports ns per frame.
#pragma once

#include <benchmark/benchmark.h>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace lacquer::bench {

struct StageBench {
  std::string_view stage;
  double rate = 48000.0;
  int channels = 2;
  int block = 512;
  std::function<void(dsp::Stage&)> configure = {};
};

inline void run_stage_bench(benchmark::State& state, const StageBench& setup) {
  const dsp::StageEntry* entry = dsp::find_stage(setup.stage);
  if (entry == nullptr) throw std::runtime_error("unknown stage");
  dsp::StageRunner runner(entry->create());
  if (setup.configure) setup.configure(runner.stage());
  dsp::ProcessSpec spec;
  spec.sample_rate = setup.rate;
  spec.channels = setup.channels;
  spec.max_block = setup.block;
  spec.layout = dsp::ProcessSpec::default_layout(setup.channels);
  runner.prepare(spec);

  // One second of programme-like material: pink-ish noise at about -18 dBFS RMS.
  const std::size_t frames = static_cast<std::size_t>(setup.rate);
  std::vector<std::vector<float>> audio(std::size_t(setup.channels), std::vector<float>(frames));
  std::mt19937 rng(1);
  std::normal_distribution<float> gauss(0.0f, 0.125f);
  for (auto& ch : audio) {
    float lp = 0.0f;
    for (auto& x : ch) x = lp = 0.9f * lp + gauss(rng);
  }
  std::vector<float*> ptrs(audio.size());
  std::size_t pos = 0;
  for (auto _ : state) {
    if (pos + std::size_t(setup.block) > frames) pos = 0;
    for (std::size_t c = 0; c < audio.size(); ++c) ptrs[c] = audio[c].data() + pos;
    runner.process(ptrs.data(), setup.block);
    benchmark::ClobberMemory();
    pos += std::size_t(setup.block);
  }
  state.SetItemsProcessed(state.iterations() * setup.block);
  // Rate + invert gives seconds per item; items counted in nano-frames gives ns/frame.
  // (Google Benchmark prints an inverted rate with a trailing "s": read it as ns.)
  state.counters["ns_per_frame"] = benchmark::Counter(
      double(state.iterations()) * setup.block * 1e-9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace lacquer::bench
