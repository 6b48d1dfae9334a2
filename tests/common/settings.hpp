// Deterministic, non-trivial settings for any stage, written once and handed
// to each face in its own syntax: a gst-launch property list, or LV2 port
// values. Used by the tests that hold every stage to the same promises.
#pragma once

#include <lacquer/dsp/registry.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace lacquer::test {

struct Setting {
  dsp::ParamRef ref;
  float value;
};

// Every control at `fraction` of its range (rounded for integers); triggers
// and toggles keep their defaults, so a stage's own on/off switches stay put.
inline std::vector<Setting> settings_at(const dsp::StageInfo& info, float fraction) {
  std::vector<Setting> out;
  for (int i = 0; i < dsp::param_count(info); ++i) {
    const dsp::ParamRef ref = dsp::param_at(info, i);
    const dsp::Param& p = *ref.param;
    if (p.is_meter() || p.unit == dsp::Unit::trigger || p.unit == dsp::Unit::toggle) continue;
    float value = p.taper == dsp::Taper::log
                      ? p.min * std::pow(p.max / p.min, fraction)
                      : p.min + (p.max - p.min) * fraction;
    if (p.is_integer()) value = std::round(value);
    out.push_back({ref, value});
  }
  return out;
}

// The element property a setting is: "ratio", or "band2::gain" through
// GstChildProxy.
inline std::string gst_property_name(const Setting& s) {
  std::string name = s.ref.group == nullptr
                         ? std::string()
                         : std::string(s.ref.group->prefix) + std::to_string(s.ref.band + 1) + "::";
  std::string symbol(s.ref.param->symbol);
  for (char& ch : symbol) ch = ch == '_' ? '-' : ch;
  return name + symbol;
}

inline std::string gst_property_list(const std::vector<Setting>& settings) {
  std::string out;
  for (const Setting& s : settings) {
    const std::string name = gst_property_name(s);
    std::string value;
    if (s.ref.param->unit == dsp::Unit::choice) {
      value = std::string(s.ref.param->choices[std::size_t(s.value - s.ref.param->min)]);
    } else if (s.ref.param->is_integer()) {
      value = std::to_string(int(s.value));
    } else {
      char text[32];
      std::snprintf(text, sizeof text, "%.9g", double(s.value));  // exact round trip
      value = text;
    }
    out += " " + name + "=" + value;
  }
  return out;
}

}  // namespace lacquer::test
