// Writes the bundle lacquer-presets.lv2 from presets.hpp: one LV2 preset
// (pset:Preset) per genre and stage, applying to urn:lacquer:<stage>, with
// the port values the genre gives that stage in the chain - the same
// settings as `lacquer master --preset` and `masterchain preset=`.
//
//   lacquer-lv2-presets OUTDIR     (writes OUTDIR/manifest.ttl, OUTDIR/presets.ttl)
//
// Element property names become LV2 port symbols through the stage's
// parameter table ("auto-release" -> auto_release, "band2::ratio" ->
// band2_ratio); choices become their index, toggles 0 or 1.
#include "presets/presets.hpp"

#include <lacquer/dsp/registry.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

namespace {

using namespace lacquer;

struct PortValue {
  std::string symbol;
  double value;
};

std::optional<PortValue> port_value(const presets::Setting& setting, std::string& error) {
  const dsp::StageEntry* entry = dsp::find_stage(setting.stage);
  if (entry == nullptr) {
    error = "no stage " + std::string(setting.stage);
    return std::nullopt;
  }
  std::string property(setting.property);
  int band = -1;
  if (const auto colons = property.find("::"); colons != std::string::npos) {
    // "band2::ratio": the group prefix, its 1-based index, the band's parameter.
    const std::string child = property.substr(0, colons);
    const auto digits = child.find_first_of("0123456789");
    band = std::stoi(child.substr(digits)) - 1;
    property = property.substr(colons + 2);
  }
  std::replace(property.begin(), property.end(), '-', '_');
  const int index = dsp::find_param(*entry->info, property, band);
  if (index < 0) {
    error = std::string(setting.stage) + " has no parameter " + std::string(setting.property);
    return std::nullopt;
  }
  const dsp::ParamRef ref = dsp::param_at(*entry->info, index);
  const std::string text(setting.value);
  double value = 0.0;
  if (!ref.param->choices.empty()) {
    const auto it = std::find(ref.param->choices.begin(), ref.param->choices.end(), text);
    if (it == ref.param->choices.end()) {
      error = std::string(setting.stage) + "::" + std::string(setting.property) + " has no choice " + text;
      return std::nullopt;
    }
    value = double(it - ref.param->choices.begin());
  } else if (text == "true" || text == "false") {
    value = text == "true" ? 1.0 : 0.0;
  } else {
    value = std::stod(text);
  }
  return PortValue{dsp::flat_symbol(ref), value};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lacquer-lv2-presets OUTDIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::ofstream manifest(dir + "/manifest.ttl");
  std::ofstream presets(dir + "/presets.ttl");
  const char* prefixes =
      "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
      "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
      "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n";
  manifest << prefixes;
  presets << prefixes;
  for (const presets::Genre& genre : presets::kGenres) {
    for (const dsp::StageEntry& entry : dsp::stages()) {
      const std::string stage(entry.info->symbol);
      std::string ports;
      for (const presets::Setting& setting : genre.settings) {
        if (setting.stage != stage) continue;
        std::string error;
        const auto port = port_value(setting, error);
        if (!port) {
          std::fprintf(stderr, "lacquer-lv2-presets: preset %s: %s\n",
                       std::string(genre.name).c_str(), error.c_str());
          return 1;
        }
        char value[64];
        std::snprintf(value, sizeof value, "%.9g", port->value);
        ports += std::string(ports.empty() ? "" : " , ") + "[\n        lv2:symbol \"" +
                 port->symbol + "\" ;\n        pset:value " + value + "\n    ]";
      }
      if (ports.empty()) continue;
      const std::string uri = "<urn:lacquer:" + stage + "#preset-" + std::string(genre.name) + ">";
      const std::string plugin = "<urn:lacquer:" + stage + ">";
      manifest << "\n" << uri << "\n    a pset:Preset ;\n    lv2:appliesTo " << plugin
               << " ;\n    rdfs:seeAlso <presets.ttl> .\n";
      presets << "\n" << uri << "\n    a pset:Preset ;\n    lv2:appliesTo " << plugin
              << " ;\n    rdfs:label \"" << genre.name << "\" ;\n    rdfs:comment \""
              << genre.summary << "\" ;\n    lv2:port " << ports << " .\n";
    }
  }
  if (!manifest || !presets) {
    std::fprintf(stderr, "lacquer-lv2-presets: cannot write in %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
