// Hosts a build-tree LV2 bundle with lilv, loaded by path (never through the
// user's LV2_PATH), and runs planar audio through it in blocks.
#pragma once

#include "signals.hpp"

#include <lilv/lilv.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef LACQUER_BUILD_ROOT
#error "LACQUER_BUILD_ROOT must name the build directory"
#endif

namespace lacquer::test {

class Lv2World {
 public:
  Lv2World() : world_(lilv_world_new()) {}
  ~Lv2World() { lilv_world_free(world_); }
  Lv2World(const Lv2World&) = delete;
  Lv2World& operator=(const Lv2World&) = delete;

  // Loads <build>/lv2/lacquer-<stage>.lv2/ and returns the plugin `uri`.
  const LilvPlugin* plugin(const std::string& stage, const std::string& uri) {
    const std::string path = std::string(LACQUER_BUILD_ROOT) + "/lv2/lacquer-" + stage + ".lv2/";
    LilvNode* bundle = lilv_new_file_uri(world_, nullptr, path.c_str());
    lilv_world_load_bundle(world_, bundle);
    lilv_node_free(bundle);
    LilvNode* node = lilv_new_uri(world_, uri.c_str());
    const LilvPlugin* p = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world_), node);
    lilv_node_free(node);
    if (p == nullptr) throw std::runtime_error("no LV2 plugin " + uri + " in " + path);
    return p;
  }
  LilvWorld* get() { return world_; }

 private:
  LilvWorld* world_;
};

// One running instance with every port connected to a buffer of its own.
class Lv2Instance {
 public:
  Lv2Instance(Lv2World& world, const std::string& stage, const std::string& uri, double rate,
              int max_block = 8192)
      : world_(world), plugin_(world.plugin(stage, uri)), max_block_(max_block) {
    instance_ = lilv_plugin_instantiate(plugin_, rate, nullptr);
    if (instance_ == nullptr) throw std::runtime_error("cannot instantiate " + uri);
    const uint32_t count = lilv_plugin_get_num_ports(plugin_);
    LilvNode* audio = lilv_new_uri(world.get(), LILV_URI_AUDIO_PORT);
    LilvNode* input = lilv_new_uri(world.get(), LILV_URI_INPUT_PORT);
    controls_.assign(count, 0.0f);
    std::vector<float> defaults(count, 0.0f);
    lilv_plugin_get_port_ranges_float(plugin_, nullptr, nullptr, defaults.data());
    for (uint32_t i = 0; i < count; ++i) {
      const LilvPort* port = lilv_plugin_get_port_by_index(plugin_, i);
      const std::string symbol = lilv_node_as_string(lilv_port_get_symbol(plugin_, port));
      index_[symbol] = i;
      if (lilv_port_is_a(plugin_, port, audio)) {
        const bool is_input = lilv_port_is_a(plugin_, port, input);
        auto& buffers = is_input ? inputs_ : outputs_;
        buffers.emplace_back(std::size_t(max_block), 0.0f);
        (is_input ? input_ports_ : output_ports_).push_back(i);
        (is_input ? in_at_ : out_at_).push_back(buffers.back().data());
        lilv_instance_connect_port(instance_, i, buffers.back().data());
      } else {
        controls_[i] = std::isnan(defaults[i]) ? 0.0f : defaults[i];
        lilv_instance_connect_port(instance_, i, &controls_[i]);
      }
    }
    lilv_node_free(audio);
    lilv_node_free(input);
    lilv_instance_activate(instance_);
  }
  ~Lv2Instance() {
    lilv_instance_deactivate(instance_);
    lilv_instance_free(instance_);
  }
  Lv2Instance(const Lv2Instance&) = delete;
  Lv2Instance& operator=(const Lv2Instance&) = delete;

  LilvInstance* instance() { return instance_; }
  const LilvPlugin* plugin() const { return plugin_; }

  // Connects every port anew, as a host may between any two run() calls: the
  // control ports to new storage holding the same values, the audio inputs
  // to new buffers, the outputs to new buffers or (`in_place`) to the
  // inputs'. The old storage is freed at once, so a plugin that kept a
  // pointer to it reads freed memory (which AddressSanitizer reports).
  void reconnect(bool in_place) {
    std::vector<float> controls(controls_);
    controls_.swap(controls);
    for (uint32_t i = 0; i < controls_.size(); ++i) {
      if (!is_audio(i)) lilv_instance_connect_port(instance_, i, &controls_[i]);
    }
    for (std::size_t c = 0; c < inputs_.size(); ++c) {
      inputs_[c] = std::vector<float>(std::size_t(max_block_), 0.0f);
      in_at_[c] = inputs_[c].data();
      lilv_instance_connect_port(instance_, input_ports_[c], in_at_[c]);
    }
    for (std::size_t c = 0; c < outputs_.size(); ++c) {
      outputs_[c] = std::vector<float>(std::size_t(max_block_), 0.0f);
      out_at_[c] = in_place && c < inputs_.size() ? in_at_[c] : outputs_[c].data();
      lilv_instance_connect_port(instance_, output_ports_[c], out_at_[c]);
    }
  }

  float& control(const std::string& symbol) {
    auto it = index_.find(symbol);
    if (it == index_.end()) throw std::runtime_error("no port " + symbol);
    return controls_[it->second];
  }

  // Runs `input` through in blocks of `block` frames (at most max_block);
  // `after_block` sees the instance after every run() call.
  Planar run(const Planar& input, int block,
             const std::function<void(Lv2Instance&, std::size_t frames_done)>& after_block = {}) {
    if (input.size() != inputs_.size()) throw std::runtime_error("channel count mismatch");
    const std::size_t frames = input.front().size();
    Planar out(outputs_.size(), std::vector<float>(frames, 0.0f));
    for (std::size_t done = 0; done < frames; done += std::size_t(block)) {
      const std::size_t n = std::min<std::size_t>(std::size_t(block), frames - done);
      for (std::size_t c = 0; c < inputs_.size(); ++c) {
        std::copy_n(input[c].begin() + std::ptrdiff_t(done), n, in_at_[c]);
      }
      lilv_instance_run(instance_, uint32_t(n));
      for (std::size_t c = 0; c < outputs_.size(); ++c) {
        std::copy_n(out_at_[c], n, out[c].begin() + std::ptrdiff_t(done));
      }
      if (after_block) after_block(*this, done + n);
    }
    return out;
  }

 private:
  Lv2World& world_;
  const LilvPlugin* plugin_;
  int max_block_;
  LilvInstance* instance_ = nullptr;
  std::map<std::string, uint32_t> index_;
  std::vector<float> controls_;
  std::vector<std::vector<float>> inputs_;
  std::vector<std::vector<float>> outputs_;
  std::vector<uint32_t> input_ports_;   // port index of inputs_[c]
  std::vector<uint32_t> output_ports_;  // port index of outputs_[c]
  std::vector<float*> in_at_;           // where input c is connected now
  std::vector<float*> out_at_;          // where output c is connected now

  bool is_audio(uint32_t port) const {
    return std::find(input_ports_.begin(), input_ports_.end(), port) != input_ports_.end() ||
           std::find(output_ports_.begin(), output_ports_.end(), port) != output_ports_.end();
  }
};

}  // namespace lacquer::test
