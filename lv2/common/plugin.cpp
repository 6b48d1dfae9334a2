// The generic LV2 face of a dsp stage. Each bundle links this glue with one
// generated line naming its stage (lacquer_lv2_stage); ports follow
// ports.hpp, exactly as the generated TTL describes them.
#include "ports.hpp"

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include <lv2/core/lv2.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

extern "C" const char* const lacquer_lv2_stage;

namespace lacquer::lv2 {
namespace {

// Meters are refreshed about 30 times a second of audio: integrated loudness
// and the like are not free to compute, and no display needs more.
constexpr double kMeterRefreshHz = 30.0;

struct Plugin {
  Plugin(const dsp::StageEntry& entry, int channels, double rate)
      : runner(entry.create()), ports(port_layout(*entry.info, channels)) {
    dsp::ProcessSpec spec;
    spec.sample_rate = rate;
    spec.channels = channels;
    spec.layout = dsp::ProcessSpec::default_layout(channels);
    runner.prepare(spec);
    data.assign(ports.size(), nullptr);
    last.assign(ports.size(), NAN);
    audio.assign(static_cast<std::size_t>(channels), nullptr);
    meter_period = std::max(1, static_cast<int>(rate / kMeterRefreshHz));
  }

  dsp::StageRunner runner;
  std::vector<Port> ports;
  std::vector<float*> data;   // connected port buffers
  std::vector<float> last;    // control values as last handed to the stage
  std::vector<float*> audio;  // output buffers, processed in place
  int meter_period = 1600;
  int frames_to_meters = 0;
};

struct Descriptor {
  std::string uri;
  int channels = 2;
  LV2_Descriptor lv2{};
};

// Audio thread. Controls reach the stage only when they change, which also
// makes a trigger port fire once per rising edge.
void read_controls(Plugin& self) {
  for (std::size_t i = 0; i < self.ports.size(); ++i) {
    const Port& port = self.ports[i];
    if (self.data[i] == nullptr) continue;
    const float value = *self.data[i];
    if (value == self.last[i]) continue;
    self.last[i] = value;
    if (port.kind == Port::Kind::control) {
      self.runner.stage().set(port.param, value);
    } else if (port.kind == Port::Kind::enabled) {
      self.runner.set_bypass(value < 0.5f);
    }
  }
}

void write_outputs(Plugin& self, int frames) {
  self.frames_to_meters -= frames;
  const bool refresh = self.frames_to_meters <= 0;
  if (refresh) self.frames_to_meters = self.meter_period;
  for (std::size_t i = 0; i < self.ports.size(); ++i) {
    const Port& port = self.ports[i];
    if (self.data[i] == nullptr) continue;
    if (port.kind == Port::Kind::latency) {
      *self.data[i] = static_cast<float>(self.runner.latency());
    } else if (port.kind == Port::Kind::meter && refresh) {
      const dsp::Param& p = *dsp::param_at(self.runner.stage().info(), port.param).param;
      const float value = self.runner.stage().meter(port.param, -1);
      *self.data[i] = std::isnan(value) ? p.min : std::clamp(value, p.min, p.max);
    }
  }
}

LV2_Handle instantiate(const LV2_Descriptor* descriptor, double rate, const char*,
                       const LV2_Feature* const*) {
  const dsp::StageEntry* entry = dsp::find_stage(lacquer_lv2_stage);
  if (entry == nullptr || rate < 1.0) return nullptr;
  const auto* self = reinterpret_cast<const Descriptor*>(
      reinterpret_cast<const char*>(descriptor) - offsetof(Descriptor, lv2));
  try {
    return new Plugin(*entry, self->channels, rate);
  } catch (...) {
    return nullptr;  // the host reports a failed instantiation
  }
}

void connect_port(LV2_Handle instance, uint32_t port, void* data) {
  auto& self = *static_cast<Plugin*>(instance);
  if (port < self.data.size()) self.data[port] = static_cast<float*>(data);
}

void activate(LV2_Handle instance) {
  auto& self = *static_cast<Plugin*>(instance);
  self.runner.reset();
  self.frames_to_meters = 0;
}

void run(LV2_Handle instance, uint32_t sample_count) {
  auto& self = *static_cast<Plugin*>(instance);
  const int frames = static_cast<int>(sample_count);
  read_controls(self);
  for (std::size_t i = 0; i < self.ports.size(); ++i) {
    const Port& port = self.ports[i];
    if (port.kind != Port::Kind::audio_out) continue;
    float* out = self.data[i];
    const float* in = self.data[static_cast<std::size_t>(port.channel)];  // inputs come first
    if (out == nullptr || in == nullptr) return;
    if (in != out) std::copy_n(in, frames, out);
    self.audio[static_cast<std::size_t>(port.channel)] = out;
  }
  self.runner.process(self.audio.data(), frames);
  write_outputs(self, frames);
}

void cleanup(LV2_Handle instance) { delete static_cast<Plugin*>(instance); }

const void* extension_data(const char*) { return nullptr; }

std::vector<std::unique_ptr<Descriptor>> make_descriptors() {
  std::vector<std::unique_ptr<Descriptor>> out;
  const dsp::StageEntry* entry = dsp::find_stage(lacquer_lv2_stage);
  if (entry == nullptr) return out;
  for (int channels : variants(*entry->info)) {
    auto d = std::make_unique<Descriptor>();
    d->uri = plugin_uri(*entry->info, channels);
    d->channels = channels;
    d->lv2 = LV2_Descriptor{d->uri.c_str(), instantiate, connect_port, activate, run,
                            nullptr,        cleanup,     extension_data};
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace
}  // namespace lacquer::lv2

extern "C" LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index) {
  static const auto descriptors = lacquer::lv2::make_descriptors();
  return index < descriptors.size() ? &descriptors[index]->lv2 : nullptr;
}
