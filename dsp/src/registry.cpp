#include <lacquer/dsp/registry.hpp>

#include <lacquer/dsp/compressor.hpp>
#include <lacquer/dsp/dither.hpp>
#include <lacquer/dsp/equalizer.hpp>
#include <lacquer/dsp/limiter_stage.hpp>
#include <lacquer/dsp/loudness_meter.hpp>
#include <lacquer/dsp/loudness_normaliser.hpp>
#include <lacquer/dsp/multiband_compressor.hpp>
#include <lacquer/dsp/stereo_imager.hpp>

#include <array>

namespace lacquer::dsp {
namespace {

template <typename S>
std::unique_ptr<Stage> create() {
  return std::make_unique<S>();
}

// One line per stage; the order is the order of the mastering chain.
const std::array kStages = {
    StageEntry{&eq_info(), &create<Equalizer>},
    StageEntry{&comp_info(), &create<Compressor>},
    StageEntry{&mbcomp_info(), &create<MultibandCompressor>},
    StageEntry{&imager_info(), &create<StereoImager>},
    StageEntry{&limiter_info(), &create<LimiterStage>},
    StageEntry{&dither_info(), &create<Dither>},
    StageEntry{&loudness_info(), &create<LoudnessMeter>},
    StageEntry{&norm_info(), &create<LoudnessNormaliser>},
};

}  // namespace

std::span<const StageEntry> stages() noexcept { return kStages; }

const StageEntry* find_stage(std::string_view symbol) noexcept {
  for (const StageEntry& entry : kStages) {
    if (entry.info->symbol == symbol) return &entry;
  }
  return nullptr;
}

}  // namespace lacquer::dsp
