// masterloudness as users meet it: a passthrough analyser that posts its
// readings on the bus.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"

#include <gst/check/gstharness.h>

#include <cmath>

using namespace lacquer;

BOOST_AUTO_TEST_SUITE(masterloudness)

// Audio is untouched in every format and layout, bit for bit.
BOOST_AUTO_TEST_CASE(audio_passes_through_bit_exact) {
  test::Planar input{test::white_noise(48000, -12.0, 1), test::white_noise(48000, -12.0, 2)};
  for (const char* format : {"F32LE", "F64LE", "S32LE", "S16LE"}) {
    for (bool interleaved : {true, false}) {
      auto direct = test::run_gst("identity", input, {.format = format, .interleaved = interleaved});
      auto metered = test::run_gst("masterloudness", input, {.format = format, .interleaved = interleaved});
      BOOST_TEST_REQUIRE(metered.error.empty(), metered.error);
      BOOST_TEST(metered.output == direct.output, format << (interleaved ? " interleaved" : " planar"));
    }
  }
}

// One message per interval with every field, then a final one at EOS.
BOOST_AUTO_TEST_CASE(posts_every_interval_and_at_eos) {
  test::Planar input(2, test::sine(48000.0, 1000.0, -23.0, 48000 * 5));
  auto result = test::run_gst("masterloudness interval=250000000", input, {.block = 480});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  int periodic = 0;
  int final_count = 0;
  for (GstStructure* s : result.messages) {
    BOOST_TEST(gst_structure_has_name(s, "masterloudness"));
    for (const char* field : {"momentary", "short-term", "integrated", "loudness-range",
                              "sample-peak", "true-peak"}) {
      BOOST_TEST(gst_structure_has_field_typed(s, field, G_TYPE_DOUBLE), field);
    }
    BOOST_TEST(gst_structure_has_field_typed(s, "true-peak-channels", GST_TYPE_ARRAY));
    BOOST_TEST(gst_structure_has_field_typed(s, "running-time", G_TYPE_UINT64));
    gboolean final = FALSE;
    gst_structure_get_boolean(s, "final", &final);
    (final ? final_count : periodic)++;
  }
  BOOST_TEST(periodic == 20);  // 5 s / 250 ms
  BOOST_TEST(final_count == 1);
  BOOST_TEST(result.last("integrated") == -23.0, boost::test_tools::tolerance(0.1 / 23));
  BOOST_TEST(result.last("true-peak") == -23.0, boost::test_tools::tolerance(0.2 / 23));
}

BOOST_AUTO_TEST_CASE(post_messages_false_posts_nothing) {
  test::Planar input(2, test::sine(48000.0, 1000.0, -23.0, 48000 * 2));
  auto result = test::run_gst("masterloudness post-messages=false", input);
  BOOST_TEST(result.messages.empty());
}

// NaN and infinities pass through untouched while the meter stays finite (or
// explicitly -inf) and ignores them.
BOOST_AUTO_TEST_CASE(nonfinite_samples_pass_through_and_meter_stays_sane) {
  test::Planar input(2, test::sine(48000.0, 1000.0, -23.0, 48000 * 5));
  input[0][1000] = NAN;
  input[1][2000] = INFINITY;
  input[0][3000] = -INFINITY;
  auto result = test::run_gst("masterloudness", input);
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(std::isnan(result.output[0][1000]));
  BOOST_TEST(std::isinf(result.output[1][2000]));
  for (const char* field : {"momentary", "short-term", "integrated", "loudness-range", "true-peak"}) {
    BOOST_TEST(std::isfinite(result.last(field)), field);
  }
  BOOST_TEST(result.last("integrated") == -23.0, boost::test_tools::tolerance(0.1 / 23));
}

BOOST_AUTO_TEST_CASE(silence_reads_minus_infinity) {
  test::Planar input(2, std::vector<float>(48000 * 2, 0.0f));
  auto result = test::run_gst("masterloudness", input);
  BOOST_TEST(std::isinf(result.last("integrated")));
  BOOST_TEST(result.last("integrated") < 0);
}

// BS.1770 weights come from the caps' channel positions: the LFE of a 5.1
// stream is ignored, the surrounds count +1.5 dB.
BOOST_AUTO_TEST_CASE(channel_positions_set_the_bs1770_weights) {
  const auto tone = test::sine(48000.0, 1000.0, -30.0, 48000 * 6);
  test::Planar input(6, std::vector<float>(tone.size(), 0.0f));
  input[3] = test::sine(48000.0, 1000.0, -6.0, tone.size());  // LFE
  input[4] = tone;                                            // rear left
  auto result = test::run_gst("masterloudness", input, {.extra_caps = ", channel-mask=(bitmask)0x3f"});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.last("integrated") == -31.5, boost::test_tools::tolerance(0.1 / 31.5));
}

// The reset action restarts integration: ten loud seconds, reset, ten quiet
// seconds read as the quiet level alone.
BOOST_AUTO_TEST_CASE(reset_action_restarts_integration) {
  test::init_gstreamer();
  GstHarness* h = gst_harness_new("masterloudness");
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_src_caps_str(h, "audio/x-raw, format=F32LE, rate=48000, channels=2, layout=interleaved");
  auto push_tone = [&](double dbfs) {
    const auto tone = test::sine(48000.0, 1000.0, dbfs, 48000 * 10);
    std::vector<float> interleaved;
    for (float x : tone) interleaved.insert(interleaved.end(), {x, x});
    GstBuffer* buffer = gst_buffer_new_memdup(interleaved.data(), interleaved.size() * sizeof(float));
    BOOST_TEST(gst_harness_push(h, buffer) == GST_FLOW_OK);
    gst_buffer_unref(gst_harness_pull(h));
  };
  push_tone(-10.0);
  g_signal_emit_by_name(h->element, "reset");
  push_tone(-30.0);
  BOOST_TEST(gst_harness_push_event(h, gst_event_new_eos()));
  double integrated = 0.0;
  while (GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    gst_structure_get_double(gst_message_get_structure(message), "integrated", &integrated);
    gst_message_unref(message);
  }
  BOOST_TEST(integrated == -30.0, boost::test_tools::tolerance(0.1 / 30));
  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

BOOST_AUTO_TEST_SUITE_END()
