// The LV2 genre presets (bundle lacquer-presets.lv2, generated from
// presets/presets.hpp) as a host finds them through lilv.
#include <boost/test/unit_test.hpp>

#include "lv2_run.hpp"

#include <lilv/lilv.h>

#include <map>
#include <string>

using namespace lacquer;

namespace {

constexpr const char* kPreset = "http://lv2plug.in/ns/ext/presets#Preset";
constexpr const char* kValue = "http://lv2plug.in/ns/ext/presets#value";
constexpr const char* kPort = "http://lv2plug.in/ns/lv2core#port";
constexpr const char* kSymbol = "http://lv2plug.in/ns/lv2core#symbol";
constexpr const char* kLabel = "http://www.w3.org/2000/01/rdf-schema#label";

// label -> (port symbol -> value) of every preset the host finds for `plugin`.
std::map<std::string, std::map<std::string, float>> presets_of(test::Lv2World& world,
                                                               const LilvPlugin* plugin) {
  LilvWorld* w = world.get();
  const std::string bundle = std::string(LACQUER_BUILD_ROOT) + "/lv2/lacquer-presets.lv2/";
  LilvNode* bundle_uri = lilv_new_file_uri(w, nullptr, bundle.c_str());
  lilv_world_load_bundle(w, bundle_uri);
  lilv_node_free(bundle_uri);
  LilvNode* preset_class = lilv_new_uri(w, kPreset);
  LilvNode* port = lilv_new_uri(w, kPort);
  LilvNode* symbol = lilv_new_uri(w, kSymbol);
  LilvNode* value = lilv_new_uri(w, kValue);
  LilvNode* label = lilv_new_uri(w, kLabel);
  std::map<std::string, std::map<std::string, float>> found;
  LilvNodes* related = lilv_plugin_get_related(plugin, preset_class);
  LILV_FOREACH(nodes, i, related) {
    const LilvNode* preset = lilv_nodes_get(related, i);
    lilv_world_load_resource(w, preset);
    LilvNode* name = lilv_world_get(w, preset, label, nullptr);
    auto& ports = found[name != nullptr ? lilv_node_as_string(name) : "?"];
    lilv_node_free(name);
    LilvNodes* entries = lilv_world_find_nodes(w, preset, port, nullptr);
    LILV_FOREACH(nodes, j, entries) {
      const LilvNode* entry = lilv_nodes_get(entries, j);
      LilvNode* s = lilv_world_get(w, entry, symbol, nullptr);
      LilvNode* v = lilv_world_get(w, entry, value, nullptr);
      if (s != nullptr && v != nullptr) ports[lilv_node_as_string(s)] = lilv_node_as_float(v);
      lilv_node_free(s);
      lilv_node_free(v);
    }
    lilv_nodes_free(entries);
  }
  lilv_nodes_free(related);
  for (LilvNode* n : {preset_class, port, symbol, value, label}) lilv_node_free(n);
  return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lv2_presets)

// Every genre preset that sets the compressor reaches urn:lacquer:comp with
// its values; choices arrive as their index, band parameters by flat symbol.
BOOST_AUTO_TEST_CASE(genre_presets_reach_the_stage_plugins_with_their_values) {
  test::Lv2World world;
  const auto comp = presets_of(world, world.plugin("comp", "urn:lacquer:comp"));
  BOOST_TEST_REQUIRE(comp.count("speech") == 1u);
  BOOST_TEST(comp.at("speech").at("threshold") == -22.0f);
  BOOST_TEST(comp.at("speech").at("ratio") == 3.0f);
  BOOST_TEST(comp.at("speech").at("detector") == 1.0f);  // "rms", the second choice
  BOOST_TEST(comp.count("pop") == 1u);
  BOOST_TEST(comp.count("classical") == 0u);  // classical leaves the compressor out
  const auto mbcomp = presets_of(world, world.plugin("mbcomp", "urn:lacquer:mbcomp"));
  BOOST_TEST_REQUIRE(mbcomp.count("electronic") == 1u);
  BOOST_TEST(mbcomp.at("electronic").at("band4_threshold") == -26.0f);
}

BOOST_AUTO_TEST_SUITE_END()
