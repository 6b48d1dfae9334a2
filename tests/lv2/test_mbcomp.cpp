// urn:lacquer:mbcomp through lilv: band ports grouped per band, the same
// samples as mastermbcomp in linear-phase mode, the crossover latency on the
// latency port, and the per-band gain-reduction output ports.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"
#include "lv2_run.hpp"

#include <algorithm>
#include <cmath>
#include <string>

using namespace lacquer;

BOOST_AUTO_TEST_SUITE(lv2_mbcomp)

// Every band<N>_* port belongs to the port group <urn:lacquer:mbcomp#band<N>>.
BOOST_AUTO_TEST_CASE(band_ports_are_grouped_per_band) {
  test::Lv2World world;
  const LilvPlugin* plugin = world.plugin("mbcomp", "urn:lacquer:mbcomp");
  LilvNode* group_predicate = lilv_new_uri(world.get(), "http://lv2plug.in/ns/ext/port-groups#group");
  int grouped = 0;
  for (uint32_t i = 0; i < lilv_plugin_get_num_ports(plugin); ++i) {
    const LilvPort* port = lilv_plugin_get_port_by_index(plugin, i);
    const std::string symbol = lilv_node_as_string(lilv_port_get_symbol(plugin, port));
    if (symbol.rfind("band", 0) != 0 || symbol == "bands") continue;
    LilvNodes* groups = lilv_port_get_value(plugin, port, group_predicate);
    BOOST_TEST_REQUIRE(lilv_nodes_size(groups) == 1u, symbol);
    const std::string group = lilv_node_as_uri(lilv_nodes_get_first(groups));
    BOOST_TEST(group == "urn:lacquer:mbcomp#" + symbol.substr(0, symbol.find('_')), symbol);
    lilv_nodes_free(groups);
    ++grouped;
  }
  lilv_node_free(group_predicate);
  BOOST_TEST(grouped == 5 * 15);  // 5 bands x (14 controls + 1 meter)
}

// Linear phase, 4 bands compressing differently: the plugin's output, moved
// back by its latency port (2303 frames), equals the element's within 1e-6,
// and band 1's meter port shows the reduction of its loud bass.
BOOST_AUTO_TEST_CASE(plugin_and_element_give_the_same_samples_in_linear_phase) {
  test::Lv2World world;
  test::Lv2Instance plugin(world, "mbcomp", "urn:lacquer:mbcomp", 48000.0);
  auto bass = test::sine(48000.0, 50.0, -6.0, 48000);
  const auto air = test::white_noise(48000, -24.0, 9);
  for (std::size_t i = 0; i < bass.size(); ++i) bass[i] += air[i];
  const test::Planar input{bass, air};
  plugin.control("crossover") = 1.0f;
  plugin.control("band1_threshold") = -30.0f;
  plugin.control("band1_ratio") = 6.0f;
  plugin.control("band1_window") = 25.0f;
  plugin.control("band3_threshold") = -40.0f;
  plugin.control("band3_attack") = 2.0f;
  plugin.control("band4_mix") = 50.0f;
  plugin.control("band4_threshold") = -45.0f;
  const auto from_lv2 = plugin.run(input, 1000);
  BOOST_TEST(plugin.control("latency") == 2303.0f);
  BOOST_TEST(plugin.control("band1_gain_reduction") > 10.0f);
  const auto from_gst = test::run_gst(
      "mastermbcomp crossover=linear band1::threshold=-30 band1::ratio=6 band1::window=25 "
      "band3::threshold=-40 band3::attack=2 band4::mix=50 band4::threshold=-45",
      input);
  BOOST_TEST_REQUIRE(from_gst.error.empty(), from_gst.error);
  double worst = 0.0;
  for (std::size_t c = 0; c < 2; ++c) {
    for (std::size_t i = 0; i + 2303 < input[c].size(); ++i) {
      worst = std::max(worst, std::fabs(double(from_lv2[c][i + 2303]) - from_gst.output[c][i]));
    }
  }
  BOOST_TEST_MESSAGE("mbcomp: largest element/plugin difference " << worst);
  BOOST_TEST(worst <= 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
