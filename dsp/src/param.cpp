#include <lacquer/dsp/param.hpp>
#include <lacquer/dsp/stage_info.hpp>

namespace lacquer::dsp {

std::string_view unit_symbol(Unit unit) noexcept {
  switch (unit) {
    case Unit::db: return "dB";
    case Unit::dbfs: return "dBFS";
    case Unit::dbtp: return "dBTP";
    case Unit::lufs: return "LUFS";
    case Unit::lu: return "LU";
    case Unit::hz: return "Hz";
    case Unit::ms: return "ms";
    case Unit::s: return "s";
    case Unit::percent: return "%";
    case Unit::ratio: return ":1";
    case Unit::bits: return "bits";
    case Unit::q:
    case Unit::none:
    case Unit::choice:
    case Unit::toggle:
    case Unit::trigger:
    case Unit::count: return "";
  }
  return "";
}

int param_count(const StageInfo& info) noexcept {
  int count = static_cast<int>(info.params.size());
  for (const ParamGroup& group : info.groups) {
    count += group.count * static_cast<int>(group.params.size());
  }
  return count;
}

ParamRef param_at(const StageInfo& info, int index) noexcept {
  if (index < 0) return {};
  const int top = static_cast<int>(info.params.size());
  if (index < top) return {&info.params[index], nullptr, -1, index};
  int offset = index - top;
  for (const ParamGroup& group : info.groups) {
    const int per_band = static_cast<int>(group.params.size());
    if (offset < group.count * per_band) {
      return {&group.params[offset % per_band], &group, offset / per_band, index};
    }
    offset -= group.count * per_band;
  }
  return {};
}

int find_param(const StageInfo& info, std::string_view symbol, int band) noexcept {
  const int count = param_count(info);
  for (int i = 0; i < count; ++i) {
    const ParamRef ref = param_at(info, i);
    if (ref.band == band && ref.param->symbol == symbol) return i;
  }
  return -1;
}

std::string flat_symbol(const ParamRef& ref) {
  if (ref.group == nullptr) return std::string(ref.param->symbol);
  return std::string(ref.group->prefix) + std::to_string(ref.band + 1) + "_" +
         std::string(ref.param->symbol);
}

}  // namespace lacquer::dsp
