#include "ports.hpp"

namespace lacquer::lv2 {
namespace {

std::string channel_suffix(int channels, int c, bool symbol) {
  if (channels == 1) return "";
  if (channels == 2) return symbol ? (c == 0 ? "_l" : "_r") : (c == 0 ? " left" : " right");
  std::string suffix(symbol ? "_" : " ");
  suffix += std::to_string(c + 1);
  return suffix;
}

std::string label_of(const dsp::ParamRef& ref) {
  if (ref.group == nullptr) return std::string(ref.param->label);
  return std::string(ref.group->label) + " " + std::to_string(ref.band + 1) + " " +
         std::string(ref.param->label);
}

}  // namespace

std::vector<Port> port_layout(const dsp::StageInfo& info, int channels) {
  std::vector<Port> ports;
  for (int c = 0; c < channels; ++c) {
    ports.push_back({Port::Kind::audio_in, "in" + channel_suffix(channels, c, true),
                     "Input" + channel_suffix(channels, c, false), -1, c});
  }
  for (int c = 0; c < channels; ++c) {
    ports.push_back({Port::Kind::audio_out, "out" + channel_suffix(channels, c, true),
                     "Output" + channel_suffix(channels, c, false), -1, c});
  }
  const int count = dsp::param_count(info);
  for (int i = 0; i < count; ++i) {
    const dsp::ParamRef ref = dsp::param_at(info, i);
    if (!ref.param->is_meter()) {
      ports.push_back({Port::Kind::control, dsp::flat_symbol(ref), label_of(ref), i, -1});
    }
  }
  ports.push_back({Port::Kind::enabled, "enabled", "Enabled", -1, -1});
  ports.push_back({Port::Kind::latency, "latency", "Latency", -1, -1});
  for (int i = 0; i < count; ++i) {
    const dsp::ParamRef ref = dsp::param_at(info, i);
    if (ref.param->is_meter()) {
      ports.push_back({Port::Kind::meter, dsp::flat_symbol(ref), label_of(ref), i, -1});
    }
  }
  return ports;
}

std::vector<int> variants(const dsp::StageInfo& info) {
  if (!info.lv2_channels.empty()) return {info.lv2_channels.begin(), info.lv2_channels.end()};
  if (info.min_channels <= 2 && info.max_channels >= 2) return {2};
  return {info.min_channels};
}

std::string plugin_uri(const dsp::StageInfo& info, int channels) {
  std::string uri = "urn:lacquer:" + std::string(info.symbol);
  if (channels == variants(info).front()) return uri;
  if (channels == 1) return uri + "#mono";
  if (channels == 2) return uri + "#stereo";
  return uri + "#" + std::to_string(channels) + "ch";
}

}  // namespace lacquer::lv2
