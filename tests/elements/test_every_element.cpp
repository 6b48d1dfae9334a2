// Promises every master* element keeps, whatever its stage: documented
// controllable properties, clean state changes, exact length and alignment
// through any latency, honest LATENCY answers, and a clear error on caps it
// cannot take.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "gst_run.hpp"
#include "settings.hpp"

#include <string>

using namespace lacquer;

namespace {

std::string element_of(const dsp::StageInfo& info) { return "master" + std::string(info.symbol); }

int channels_for(const dsp::StageInfo& info) {
  return info.min_channels <= 2 && info.max_channels >= 2 ? 2 : info.min_channels;
}

// The latency, in frames, that the stage reports with these settings at 48 kHz.
int dsp_latency(const dsp::StageEntry& entry, const std::vector<test::Setting>& settings) {
  dsp::StageRunner runner(entry.create());
  for (const auto& s : settings) runner.stage().set(s.ref.index, s.value);
  dsp::ProcessSpec spec;
  spec.sample_rate = 48000;
  spec.channels = channels_for(*entry.info);
  runner.prepare(spec);
  return runner.latency();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(every_element)

BOOST_AUTO_TEST_CASE(every_property_documents_its_unit_and_range) {
  test::init_gstreamer();
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const std::string name = element_of(*entry.info);
    GstElement* element = gst_element_factory_make(name.c_str(), nullptr);
    BOOST_TEST_REQUIRE(element != nullptr, name);
    for (int i = 0; i < int(entry.info->params.size()); ++i) {
      const dsp::Param& p = entry.info->params[std::size_t(i)];
      if (p.is_meter() || p.unit == dsp::Unit::trigger) continue;
      std::string prop(p.symbol);
      for (char& ch : prop) ch = ch == '_' ? '-' : ch;
      GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), prop.c_str());
      BOOST_TEST_REQUIRE(pspec != nullptr, name << "::" << prop);
      BOOST_TEST((pspec->flags & GST_PARAM_CONTROLLABLE) != 0, name << "::" << prop);
      const std::string unit(dsp::unit_symbol(p.unit));
      if (!unit.empty()) {
        BOOST_TEST(std::string(g_param_spec_get_blurb(pspec)).find("Unit: " + unit) != std::string::npos,
                   name << "::" << prop);
      }
    }
    gst_object_unref(element);
  }
}

BOOST_AUTO_TEST_CASE(state_changes_survive_many_cycles) {
  test::init_gstreamer();
  for (const dsp::StageEntry& entry : dsp::stages()) {
    GstElement* element = gst_element_factory_make(element_of(*entry.info).c_str(), nullptr);
    for (int cycle = 0; cycle < 20; ++cycle) {
      BOOST_TEST(gst_element_set_state(element, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
      BOOST_TEST(gst_element_set_state(element, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
    }
    gst_object_unref(element);
  }
}

// A stream keeps its exact length and its first sample's timestamp through
// every element, at its default settings and at mid-range settings, for
// several buffer sizes; the pipeline's latency includes the stage's.
BOOST_AUTO_TEST_CASE(length_alignment_and_latency_are_kept) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    const std::size_t frames = 48000 + 123;
    test::Planar input;
    for (int c = 0; c < channels; ++c) {
      input.push_back(test::white_noise(frames, -20.0, std::uint32_t(c + 1)));
    }
    for (float fraction : {-1.0f, 0.3f}) {
      const auto settings = fraction < 0 ? std::vector<test::Setting>{} : test::settings_at(info, fraction);
      for (int block : {256, 1000, 4096}) {
        BOOST_TEST_CONTEXT(element_of(info) << " settings " << fraction << " block " << block) {
          auto result = test::run_gst(element_of(info) + test::gst_property_list(settings), input,
                                      {.block = block});
          BOOST_TEST_REQUIRE(result.error.empty(), result.error);
          BOOST_TEST_REQUIRE(result.output.size() == std::size_t(channels));
          BOOST_TEST(result.output.front().size() == frames);
          BOOST_TEST(result.first_pts == GstClockTime(0));
          BOOST_TEST(result.timestamps_contiguous);
          BOOST_TEST(result.end_time == gst_util_uint64_scale_round(frames, GST_SECOND, 48000));
          const GstClockTime expected =
              gst_util_uint64_scale_round(guint64(dsp_latency(entry, settings)), GST_SECOND, 48000);
          BOOST_TEST(result.latency == expected);
        }
      }
    }
  }
}

// Every sample format and layout the element accepts gives the same result
// as F32 interleaved (to the format's resolution).
BOOST_AUTO_TEST_CASE(formats_and_layouts_agree) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    if (info.quantiser) continue;  // float in, integer out: tested with the stage
    const int channels = channels_for(info);
    test::Planar input;
    for (int c = 0; c < channels; ++c) input.push_back(test::white_noise(24000, -20.0, std::uint32_t(c + 7)));
    const std::string element = element_of(info) + test::gst_property_list(test::settings_at(info, 0.3f));
    auto reference = test::run_gst(element, input);
    BOOST_TEST_REQUIRE(reference.error.empty(), reference.error);
    struct Case { const char* format; bool interleaved; double tolerance; };
    for (Case c : {Case{"F32LE", false, 0.0}, Case{"F64LE", true, 1e-6}, Case{"F64LE", false, 1e-6},
                   Case{"S32LE", true, 1e-6}, Case{"S16LE", true, 4.0 / 32768}, Case{"S16LE", false, 4.0 / 32768}}) {
      BOOST_TEST_CONTEXT(element_of(info) << " " << c.format << (c.interleaved ? " interleaved" : " planar")) {
        auto result = test::run_gst(element, input, {.format = c.format, .interleaved = c.interleaved});
        BOOST_TEST_REQUIRE(result.error.empty(), result.error);
        BOOST_TEST_REQUIRE(result.output.front().size() == reference.output.front().size());
        double worst = 0.0;
        for (std::size_t ch = 0; ch < result.output.size(); ++ch) {
          for (std::size_t i = 0; i < result.output[ch].size(); ++i) {
            worst = std::max(worst, std::fabs(double(result.output[ch][i]) - reference.output[ch][i]));
          }
        }
        // 16-bit input is already quantised before the stage: a few LSB.
        BOOST_TEST(worst <= c.tolerance + 1e-7);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(unsupported_channel_count_fails_with_a_clear_message) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = info.max_channels + 1;
    test::Planar input(std::size_t(channels), std::vector<float>(4800, 0.0f));
    // channel-mask 0: unpositioned, which GStreamer requires above 2 channels.
    auto result = test::run_gst(element_of(info), input, {.extra_caps = ", channel-mask=(bitmask)0x0"});
    BOOST_TEST_CONTEXT(element_of(info) << " with " << channels << " channels") {
      const std::string accepted = info.min_channels == info.max_channels
                                       ? std::to_string(info.min_channels)
                                       : std::to_string(info.min_channels) + " to " + std::to_string(info.max_channels);
      BOOST_TEST(result.error == "master" + std::string(info.symbol) + " accepts " + accepted +
                                     " channels; the stream has " + std::to_string(channels) + ".");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
