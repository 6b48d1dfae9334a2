// The whole mastering chain in one thread, stage after stage on the same
// stereo 48 kHz block, as masterchain runs it: ns per frame for the chain and
// its realtime factor (seconds of audio per second of CPU).
#include <benchmark/benchmark.h>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include <memory>
#include <random>
#include <string_view>
#include <vector>

namespace {

using namespace lacquer;

void run_chain(benchmark::State& state, std::vector<std::string_view> chain) {
  constexpr double kRate = 48000.0;
  const int block = int(state.range(0));
  dsp::ProcessSpec spec;
  spec.sample_rate = kRate;
  spec.channels = 2;
  spec.max_block = block;
  spec.layout = dsp::ProcessSpec::default_layout(2);
  std::vector<std::unique_ptr<dsp::StageRunner>> runners;
  for (std::string_view symbol : chain) {
    const dsp::StageEntry* entry = dsp::find_stage(symbol);
    if (entry == nullptr) continue;  // a stage this build does not have
    runners.push_back(std::make_unique<dsp::StageRunner>(entry->create()));
    runners.back()->prepare(spec);
  }
  // One second of programme-like material, about -18 dBFS RMS, pushed 8 dB
  // so the dynamics and the limiter work.
  const auto frames = std::size_t(kRate);
  std::vector<std::vector<float>> audio(2, std::vector<float>(frames));
  std::mt19937 rng(1);
  std::normal_distribution<float> gauss(0.0f, 0.3f);
  for (auto& channel : audio) {
    float lowpassed = 0.0f;
    for (float& x : channel) x = lowpassed = 0.9f * lowpassed + gauss(rng);
  }
  std::vector<std::vector<float>> work(2, std::vector<float>(std::size_t(block)));
  float* planes[2] = {work[0].data(), work[1].data()};
  std::size_t position = 0;
  for (auto _ : state) {
    if (position + std::size_t(block) > frames) position = 0;
    for (std::size_t c = 0; c < 2; ++c) {
      std::copy_n(audio[c].begin() + std::ptrdiff_t(position), block, work[c].begin());
    }
    for (auto& runner : runners) runner->process(planes, block);
    benchmark::ClobberMemory();
    position += std::size_t(block);
  }
  const double frames_done = double(state.iterations()) * block;
  state.SetItemsProcessed(std::int64_t(frames_done));
  state.counters["ns_per_frame"] = benchmark::Counter(
      frames_done * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["x_realtime"] =
      benchmark::Counter(frames_done / kRate, benchmark::Counter::kIsRate);
}

// Every stage with its defaults (the chain's full cost).
void BM_chain_all_stages_stereo_48k(benchmark::State& state) {
  run_chain(state, {"eq", "comp", "mbcomp", "imager", "limiter", "dither"});
}
BENCHMARK(BM_chain_all_stages_stereo_48k)->Arg(512)->Arg(4096);

// The default preset of `lacquer master`: limiter and dither only.
void BM_chain_limiter_dither_stereo_48k(benchmark::State& state) {
  run_chain(state, {"limiter", "dither"});
}
BENCHMARK(BM_chain_limiter_dither_stereo_48k)->Arg(512);

}  // namespace
