// masterchain: the stage elements in one bin, reached through GstChildProxy.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"
#include "true_peak16.hpp"

#include "../../presets/presets.hpp"

#include <map>
#include <string>

using namespace lacquer;

namespace {

// The chain's stages in this build, as gst-launch descriptions.
std::vector<std::string> chain_stages() {
  std::vector<std::string> stages;
  for (const char* stage : {"eq", "comp", "mbcomp", "imager", "limiter", "dither"}) {
    const std::string factory = std::string("master") + stage;
    if (GstElementFactory* f = gst_element_factory_find(factory.c_str())) {
      gst_object_unref(f);
      stages.push_back(factory);
    }
  }
  return stages;
}

bool child_bypassed(GstElement* chain, const char* stage) {
  gboolean bypass = FALSE;
  GObject* child = gst_child_proxy_get_child_by_name(GST_CHILD_PROXY(chain), stage);
  if (child == nullptr) return false;
  g_object_get(child, "bypass", &bypass, nullptr);
  g_object_unref(child);
  return bypass != FALSE;
}

// Every property an element (and, through GstChildProxy, each of its children
// and theirs) can be set and read back, serialised as gst-launch-1.0 writes it,
// keyed by its path ("comp::threshold", "mbcomp::band2::ratio").
void collect_settings(GObject* object, const std::string& path,
                      std::map<std::string, std::string>& settings) {
  guint count = 0;
  GParamSpec** specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(object), &count);
  for (guint i = 0; i < count; ++i) {
    const GParamSpec* spec = specs[i];
    if ((spec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
        (spec->flags & G_PARAM_CONSTRUCT_ONLY) != 0 ||
        g_type_is_a(spec->value_type, G_TYPE_OBJECT)) {
      continue;
    }
    GValue value = G_VALUE_INIT;
    g_value_init(&value, spec->value_type);
    g_object_get_property(object, spec->name, &value);
    gchar* text = gst_value_serialize(&value);
    settings[path + spec->name] = text != nullptr ? text : "?";
    g_free(text);
    g_value_unset(&value);
  }
  g_free(specs);
  if (!GST_IS_CHILD_PROXY(object)) return;
  const guint children = gst_child_proxy_get_children_count(GST_CHILD_PROXY(object));
  for (guint c = 0; c < children; ++c) {
    GObject* child = gst_child_proxy_get_child_by_index(GST_CHILD_PROXY(object), c);
    gchar* name = GST_IS_OBJECT(child) ? gst_object_get_name(GST_OBJECT(child)) : nullptr;
    collect_settings(child, path + (name != nullptr ? name : "?") + "::", settings);
    g_free(name);
    g_object_unref(child);
  }
}

std::map<std::string, std::string> settings_of(GstElement* element) {
  std::map<std::string, std::string> settings;
  collect_settings(G_OBJECT(element), "", settings);
  return settings;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masterchain)

// The bin answers the LATENCY query with what its children add: their sum,
// here with the linear-phase crossover of the multiband compressor (~48 ms).
BOOST_AUTO_TEST_CASE(latency_is_the_sum_of_its_stages_latencies) {
  test::init_gstreamer();
  const test::Planar input(2, test::white_noise(48000, -20.0, 3));
  GstClockTime sum = 0;
  for (const std::string& stage : chain_stages()) {
    const std::string description =
        stage == "mastermbcomp" ? stage + " crossover=linear" : stage;
    const auto alone = test::run_gst(description, input);
    BOOST_TEST_REQUIRE(alone.error.empty(), alone.error);
    sum += alone.latency;
  }
  const auto chain = test::run_gst("masterchain preset=pop mbcomp::crossover=linear ! audio/x-raw,format=F32LE", input);
  BOOST_TEST_REQUIRE(chain.error.empty(), chain.error);
  BOOST_TEST(sum > GST_MSECOND * 40);  // the FIR crossover is in there
  BOOST_TEST(chain.latency == sum);
}

// A file through the chain keeps its exact length.
BOOST_AUTO_TEST_CASE(output_has_the_input_length) {
  const test::Planar input(2, test::white_noise(48000 * 2 + 77, -20.0, 5));
  const auto result = test::run_gst("masterchain preset=electronic ! audio/x-raw,format=F32LE", input, {.block = 1000});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.output.at(0).size() == input[0].size());
}

// `ceiling` and `limiter::ceiling` (child proxy) both reach the limiter:
// noise driven 12 dB into it peaks at the ceiling in 16x true peak, within
// the limiter's own promise (at most 0.1 dB over, tests/dsp/test_limiter.cpp).
constexpr double kLimiterPromiseDb = 0.1;
BOOST_AUTO_TEST_CASE(ceiling_and_child_property_hold_the_true_peak) {
  const test::Planar input{test::white_noise(48000 * 2, -12.0, 7),
                           test::white_noise(48000 * 2, -12.0, 8)};
  const test::TruePeak16 meter;
  for (const char* description : {"masterchain ceiling=-6 limiter::drive=12 ! audio/x-raw,format=F32LE",
                                  "masterchain limiter::ceiling=-6 limiter::drive=12 ! audio/x-raw,format=F32LE"}) {
    const auto result = test::run_gst(description, input);
    BOOST_TEST_REQUIRE(result.error.empty(), result.error);
    const double true_peak = meter.peak_db(result.output);
    BOOST_TEST_INFO(description << ": " << true_peak << " dBTP");
    BOOST_TEST(true_peak <= -6.0 + kLimiterPromiseDb);
    BOOST_TEST(true_peak >= -6.0 - 1.0);  // it is limiting, not just turning down
  }
}

// A preset switches in the stages it names and bypasses the others; the
// limiter always runs.
BOOST_AUTO_TEST_CASE(preset_switches_stages_in_and_out) {
  test::init_gstreamer();
  GstElement* chain = gst_element_factory_make("masterchain", nullptr);
  BOOST_TEST_REQUIRE(chain != nullptr);
  BOOST_TEST(child_bypassed(chain, "comp"));  // neutral: limiter only
  BOOST_TEST(!child_bypassed(chain, "limiter"));
  g_object_set(chain, "preset", "pop", nullptr);
  BOOST_TEST(!child_bypassed(chain, "comp"));
  BOOST_TEST(!child_bypassed(chain, "mbcomp"));
  g_object_set(chain, "preset", "classical", nullptr);
  BOOST_TEST(child_bypassed(chain, "comp"));
  BOOST_TEST(!child_bypassed(chain, "limiter"));
  gst_object_unref(chain);
}

// The GstPreset files generated from presets/presets.hpp give each stage
// element the same settings the genre preset gives it in the chain.
BOOST_AUTO_TEST_CASE(generated_gst_presets_load_the_genre_settings_into_the_stage_elements) {
  setenv("GST_PRESET_PATH", LACQUER_BUILD_ROOT "/presets", 1);
  test::init_gstreamer();
  GstElement* comp = gst_element_factory_make("mastercomp", nullptr);
  GstElement* mbcomp = gst_element_factory_make("mastermbcomp", nullptr);
  BOOST_TEST_REQUIRE(comp != nullptr);
  BOOST_TEST_REQUIRE(mbcomp != nullptr);
  BOOST_TEST_REQUIRE(gst_preset_load_preset(GST_PRESET(comp), "speech"));
  double threshold = 0.0;
  double ratio = 0.0;
  g_object_get(comp, "threshold", &threshold, "ratio", &ratio, nullptr);
  BOOST_TEST(threshold == -22.0);
  BOOST_TEST(ratio == 3.0);
  BOOST_TEST_REQUIRE(gst_preset_load_preset(GST_PRESET(mbcomp), "electronic"));
  GValue band4 = G_VALUE_INIT;
  gst_child_proxy_get_property(GST_CHILD_PROXY(mbcomp), "band4::threshold", &band4);
  BOOST_TEST(g_value_get_double(&band4) == -26.0);
  g_value_unset(&band4);
  gst_object_unref(comp);
  gst_object_unref(mbcomp);
}

// masterchain's generated GstPreset file offers every genre preset, and
// loading one leaves the chain exactly as setting `preset` does: the same
// stages bypassed, every child property (bands included) the same. Genres
// are loaded one after another on one element, so a preset must also undo
// what the previous one switched in.
BOOST_AUTO_TEST_CASE(gst_preset_load_preset_selects_each_genre_preset_as_the_preset_property_does) {
  setenv("GST_PRESET_PATH", LACQUER_BUILD_ROOT "/presets", 1);
  test::init_gstreamer();
  GstElement* loaded = gst_element_factory_make("masterchain", nullptr);
  BOOST_TEST_REQUIRE(loaded != nullptr);
  BOOST_TEST_REQUIRE(GST_IS_PRESET(loaded));
  gchar** names = gst_preset_get_preset_names(GST_PRESET(loaded));
  BOOST_TEST_REQUIRE(names != nullptr);
  BOOST_TEST(g_strv_length(names) == std::size(presets::kGenres));
  for (const presets::Genre& genre : presets::kGenres) {
    const std::string name(genre.name);
    BOOST_TEST_CONTEXT("preset " << name) {
      BOOST_TEST(g_strv_contains(names, name.c_str()));
      GstElement* set = gst_element_factory_make("masterchain", nullptr);
      g_object_set(set, "preset", name.c_str(), nullptr);
      BOOST_TEST_REQUIRE(gst_preset_load_preset(GST_PRESET(loaded), name.c_str()));
      const auto from_file = settings_of(loaded);
      const auto from_property = settings_of(set);
      BOOST_TEST(from_file.at("preset") == name);
      BOOST_TEST(from_file.size() > 100u);  // the children's properties are in there
      for (const auto& [path, value] : from_property) {
        if (path == "name") continue;  // the two elements' own names differ
        BOOST_TEST_INFO(path);
        BOOST_TEST(from_file.at(path) == value);
      }
      gst_object_unref(set);
    }
  }
  g_strfreev(names);
  BOOST_TEST(!gst_preset_load_preset(GST_PRESET(loaded), "polka"));
  gst_object_unref(loaded);
}

BOOST_AUTO_TEST_SUITE_END()
