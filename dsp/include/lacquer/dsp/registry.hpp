// Every stage the library provides, so that the faces can enumerate them.
#pragma once

#include <lacquer/dsp/stage.hpp>

#include <memory>
#include <span>
#include <string_view>

namespace lacquer::dsp {

struct StageEntry {
  const StageInfo* info;
  std::unique_ptr<Stage> (*create)();
};

std::span<const StageEntry> stages() noexcept;
const StageEntry* find_stage(std::string_view symbol) noexcept;

}  // namespace lacquer::dsp
