// The LV2 port layout of a stage, shared by the TTL generator and the plugin
// glue so the two can never disagree:
//   audio inputs, audio outputs, every control of the table (bands flattened
//   as band1_gain, ...), `enabled` (lv2:enabled), `latency` (lv2:latency),
//   then every meter as an output control.
#pragma once

#include <lacquer/dsp/stage_info.hpp>

#include <string>
#include <vector>

namespace lacquer::lv2 {

struct Port {
  enum class Kind { audio_in, audio_out, control, enabled, latency, meter };
  Kind kind;
  std::string symbol;
  std::string name;
  int param = -1;    // flat parameter index for control and meter ports
  int channel = -1;  // audio ports
};

std::vector<Port> port_layout(const dsp::StageInfo& info, int channels);

// The channel counts the stage is offered in; the first is urn:lacquer:<stage>.
std::vector<int> variants(const dsp::StageInfo& info);
std::string plugin_uri(const dsp::StageInfo& info, int channels);

}  // namespace lacquer::lv2
