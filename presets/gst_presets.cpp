// Writes the GstPreset files of the elements from presets.hpp, so that
// gst_preset_load_preset(mastercomp, "pop") gives the stage the settings
// `lacquer master --preset pop` and `masterchain preset=pop` give it.
//
//   lacquer-gst-presets OUT/GstMasterComp.prs [OUT/GstMasterChain.prs ...]
//
// Each file name names the element type (GstMaster<Stage>); the file gets one
// section per genre preset that sets that stage. masterchain's file
// (GstMasterChain.prs) has a section for every genre preset that sets its
// `preset` property: the chain applies the genre itself, stages switched in
// and out included, exactly as for preset=<genre>.
#include "presets/presets.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  using namespace lacquer::presets;
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    const auto slash = path.find_last_of('/');
    const std::string file = path.substr(slash == std::string::npos ? 0 : slash + 1);
    const std::string prefix = "GstMaster";
    if (file.rfind(prefix, 0) != 0 || file.size() <= prefix.size() + 4) {
      std::fprintf(stderr, "lacquer-gst-presets: %s is not GstMaster<Stage>.prs\n", file.c_str());
      return 1;
    }
    const std::string type_name = file.substr(0, file.size() - 4);
    std::string stage = type_name.substr(prefix.size());
    for (char& c : stage) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::ofstream out(path);
    out << "[_presets_]\nversion=0.1.0\nelement-name=" << type_name << "\n";
    for (const Genre& genre : kGenres) {
      if (stage == "chain") {
        out << "\n[" << genre.name << "]\npreset=" << genre.name << "\n";
        continue;
      }
      bool section = false;
      for (const Setting& setting : genre.settings) {
        if (setting.stage != stage) continue;
        if (!section) out << "\n[" << genre.name << "]\n";
        section = true;
        out << setting.property << "=" << setting.value << "\n";
      }
    }
    if (!out) {
      std::fprintf(stderr, "lacquer-gst-presets: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
