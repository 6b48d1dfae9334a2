// Writes a stage's bundle description (manifest.ttl and <stage>.ttl) from its
// parameter table: `lacquer-ttl <stage> <bundle-dir>`. Run by the build.
#include "ports.hpp"

#include <lacquer/dsp/registry.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

using lacquer::dsp::Param;
using lacquer::dsp::StageInfo;
using lacquer::dsp::Unit;
using lacquer::lv2::Port;

std::string number(float value) {
  if (std::isinf(value)) return value > 0 ? "1.0e30" : "-1.0e30";
  char text[48];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
  std::string s = text;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// units: has no LUFS, LU, dBTP or ratio: those get a unit of their own.
std::string unit_of(Unit unit) {
  switch (unit) {
    case Unit::db: return "units:db";
    case Unit::hz: return "units:hz";
    case Unit::ms: return "units:ms";
    case Unit::s: return "units:s";
    case Unit::percent: return "units:pc";
    case Unit::none:
    case Unit::choice:
    case Unit::toggle:
    case Unit::trigger:
    case Unit::count: return "";
    default: {
      const std::string symbol(lacquer::dsp::unit_symbol(unit).empty()
                                   ? std::string_view("Q")
                                   : lacquer::dsp::unit_symbol(unit));
      return "[ a units:Unit ; rdfs:label " + quoted(symbol) + " ; units:symbol " + quoted(symbol) +
             " ; units:render " + quoted("%f " + symbol) + " ]";
    }
  }
}

void write_param_port(std::ostream& out, const Param& p, bool output) {
  out << "    lv2:default " << number(p.def) << " ;\n"
      << "    lv2:minimum " << number(p.min) << " ;\n"
      << "    lv2:maximum " << number(p.max) << " ;\n";
  if (!p.doc.empty()) out << "    rdfs:comment " << quoted(p.doc) << " ;\n";
  if (const std::string unit = unit_of(p.unit); !unit.empty()) {
    out << "    units:unit " << unit << " ;\n";
  }
  if (p.taper == lacquer::dsp::Taper::log) out << "    lv2:portProperty pprops:logarithmic ;\n";
  switch (p.unit) {
    case Unit::toggle: out << "    lv2:portProperty lv2:toggled ;\n"; break;
    case Unit::trigger: out << "    lv2:portProperty lv2:toggled , pprops:trigger ;\n"; break;
    case Unit::choice:
      out << "    lv2:portProperty lv2:integer , lv2:enumeration ;\n";
      for (std::size_t i = 0; i < p.choices.size(); ++i) {
        out << "    lv2:scalePoint [ rdfs:label " << quoted(p.choices[i]) << " ; rdf:value "
            << number(p.min + float(i)) << " ] ;\n";
      }
      break;
    default:
      if (p.is_integer()) out << "    lv2:portProperty lv2:integer ;\n";
  }
  if (output && p.is_meter()) out << "    lv2:portProperty pprops:notOnGUI ;\n";
}

std::string plugin_ttl(const StageInfo& info) {
  std::ostringstream out;
  out << "@prefix doap: <http://usefulinc.com/ns/doap#> .\n"
         "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
         "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
         "@prefix pg: <http://lv2plug.in/ns/ext/port-groups#> .\n"
         "@prefix pprops: <http://lv2plug.in/ns/ext/port-props#> .\n"
         "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
         "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
         "@prefix units: <http://lv2plug.in/ns/extensions/units#> .\n\n"
         "# Generated from the stage's parameter table; do not edit.\n\n";
  const std::string base = "urn:lacquer:" + std::string(info.symbol);
  out << "<urn:lacquer>\n    a doap:Project ;\n    doap:name \"Lacquer\" ;\n"
         "    doap:maintainer [ foaf:name \"Lacquer\" ] .\n\n";
  // Stereo audio ports are grouped (pg:StereoGroup, left/right designations)
  // so hosts such as GStreamer's lv2 wrapper see one stereo stream.
  out << "<" << base << "#stereo_in>\n    a pg:StereoGroup , pg:InputGroup ;\n"
      << "    lv2:symbol \"stereo_in\" ;\n    rdfs:label \"Stereo input\" .\n\n"
      << "<" << base << "#stereo_out>\n    a pg:StereoGroup , pg:OutputGroup ;\n"
      << "    lv2:symbol \"stereo_out\" ;\n    rdfs:label \"Stereo output\" .\n\n";
  for (const auto& group : info.groups) {
    for (int b = 0; b < group.count; ++b) {
      out << "<" << base << "#" << group.prefix << b + 1 << ">\n    a pg:Group ;\n"
          << "    lv2:symbol \"" << group.prefix << b + 1 << "\" ;\n"
          << "    rdfs:label \"" << group.label << " " << b + 1 << "\" .\n\n";
    }
  }
  for (int channels : lacquer::lv2::variants(info)) {
    const std::string uri = lacquer::lv2::plugin_uri(info, channels);
    out << "<" << uri << ">\n"
        << "    a lv2:Plugin , lv2:" << info.lv2_class << " ;\n"
        << "    doap:name " << quoted(std::string(info.name) +
                                     (channels == 1 ? " (mono)" : channels == 2 ? "" : " (multichannel)"))
        << " ;\n"
        << "    doap:license <http://opensource.org/licenses/LGPL-2.1> ;\n"
        << "    lv2:project <urn:lacquer> ;\n"
        << "    rdfs:comment " << quoted(info.summary) << " ;\n"
        << "    lv2:minorVersion 1 ;\n    lv2:microVersion 0 ;\n"
        << "    lv2:optionalFeature lv2:hardRTCapable ;\n";
    const auto ports = lacquer::lv2::port_layout(info, channels);
    for (std::size_t i = 0; i < ports.size(); ++i) {
      const Port& port = ports[i];
      const bool output = port.kind == Port::Kind::audio_out || port.kind == Port::Kind::latency ||
                          port.kind == Port::Kind::meter;
      const bool audio = port.kind == Port::Kind::audio_in || port.kind == Port::Kind::audio_out;
      out << (i == 0 ? "    lv2:port [\n" : "    ] , [\n")
          << "    a lv2:" << (audio ? "AudioPort" : "ControlPort") << " , lv2:"
          << (output ? "OutputPort" : "InputPort") << " ;\n"
          << "    lv2:index " << i << " ;\n"
          << "    lv2:symbol " << quoted(port.symbol) << " ;\n"
          << "    lv2:name " << quoted(port.name) << " ;\n";
      switch (port.kind) {
        case Port::Kind::audio_in:
        case Port::Kind::audio_out:
          if (channels == 2) {
            out << "    pg:group <" << base << (port.kind == Port::Kind::audio_in ? "#stereo_in" : "#stereo_out")
                << "> ;\n    lv2:designation pg:" << (port.channel == 0 ? "left" : "right") << " ;\n";
          }
          break;
        case Port::Kind::enabled:
          out << "    lv2:default 1 ;\n    lv2:minimum 0 ;\n    lv2:maximum 1 ;\n"
              << "    lv2:designation lv2:enabled ;\n    lv2:portProperty lv2:toggled ;\n";
          break;
        case Port::Kind::latency:
          out << "    lv2:minimum 0 ;\n    lv2:maximum 1048576 ;\n"
              << "    lv2:designation lv2:latency ;\n"
              << "    lv2:portProperty lv2:reportsLatency , lv2:integer , pprops:notOnGUI ;\n"
              << "    units:unit units:frame ;\n";
          break;
        case Port::Kind::control:
        case Port::Kind::meter: {
          const auto ref = lacquer::dsp::param_at(info, port.param);
          write_param_port(out, *ref.param, output);
          if (ref.group != nullptr) {
            out << "    pg:group <" << base << "#" << ref.group->prefix << ref.band + 1 << "> ;\n";
          }
          break;
        }
      }
    }
    out << "    ] .\n\n";
  }
  return out.str();
}

std::string manifest_ttl(const StageInfo& info) {
  std::ostringstream out;
  out << "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
         "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n";
  for (int channels : lacquer::lv2::variants(info)) {
    out << "<" << lacquer::lv2::plugin_uri(info, channels) << ">\n"
        << "    a lv2:Plugin ;\n"
        << "    lv2:binary <lacquer-" << info.symbol << ".so> ;\n"
        << "    rdfs:seeAlso <" << info.symbol << ".ttl> .\n\n";
  }
  return out.str();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  return static_cast<bool>(file);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: lacquer-ttl STAGE BUNDLE-DIR\n";
    return 2;
  }
  const auto* entry = lacquer::dsp::find_stage(argv[1]);
  if (entry == nullptr) {
    std::cerr << "lacquer-ttl: no stage named '" << argv[1] << "'\n";
    return 2;
  }
  const std::string dir = argv[2];
  const bool ok = write_file(dir + "/manifest.ttl", manifest_ttl(*entry->info)) &&
                  write_file(dir + "/" + std::string(entry->info->symbol) + ".ttl",
                             plugin_ttl(*entry->info));
  if (!ok) std::cerr << "lacquer-ttl: cannot write into " << dir << "\n";
  return ok ? 0 : 1;
}
