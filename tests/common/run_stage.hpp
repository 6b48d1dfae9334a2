// Drives a dsp stage through its runner the way a host would.
#pragma once

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "signals.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace lacquer::test {

inline std::unique_ptr<dsp::StageRunner> make_runner(std::string_view symbol, double rate,
                                                     int channels, int max_block = 4096) {
  const dsp::StageEntry* entry = dsp::find_stage(symbol);
  if (entry == nullptr) throw std::runtime_error("no such stage");
  auto runner = std::make_unique<dsp::StageRunner>(entry->create());
  dsp::ProcessSpec spec;
  spec.sample_rate = rate;
  spec.channels = channels;
  spec.max_block = max_block;
  spec.layout = dsp::ProcessSpec::default_layout(channels);
  runner->prepare(spec);
  return runner;
}

// Processes `audio` in place in blocks of `block` frames.
inline void run_blocks(dsp::StageRunner& runner, Planar& audio, int block) {
  const std::size_t frames = audio.front().size();
  std::vector<float*> ptrs(audio.size());
  for (std::size_t done = 0; done < frames; done += std::size_t(block)) {
    const int n = int(std::min<std::size_t>(std::size_t(block), frames - done));
    for (std::size_t c = 0; c < audio.size(); ++c) ptrs[c] = audio[c].data() + done;
    runner.process(ptrs.data(), n);
  }
}

inline int param_index(const dsp::Stage& stage, std::string_view symbol, int band = -1) {
  const int index = dsp::find_param(stage.info(), symbol, band);
  if (index < 0) throw std::runtime_error("no such parameter");
  return index;
}

// The latency `symbol` reports at `rate` with one control set (a lookahead),
// from the DSP itself: what both faces must report.
inline int stage_latency(std::string_view symbol, double rate, std::string_view param, float value) {
  const dsp::StageEntry* entry = dsp::find_stage(symbol);
  if (entry == nullptr) throw std::runtime_error("no such stage");
  auto stage = entry->create();
  stage->set(param_index(*stage, param), value);
  dsp::ProcessSpec spec;
  spec.sample_rate = rate;
  stage->prepare(spec);
  return stage->latency();
}

}  // namespace lacquer::test
