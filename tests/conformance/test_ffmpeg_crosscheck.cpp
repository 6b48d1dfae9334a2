// Cross-check against an independent implementation: ffmpeg's ebur128 filter
// and masterloudness read the same integrated loudness and loudness range
// from the demo mix.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"

#include <cstdio>
#include <string>

#ifndef LACQUER_SOURCE_ROOT
#error "LACQUER_SOURCE_ROOT must name the source directory"
#endif

namespace {

const std::string kDemoMix = std::string(LACQUER_SOURCE_ROOT) + "/data/demo-mix.flac";

// The last value ffmpeg's ebur128 filter reports for `key` (full precision,
// from its frame metadata rather than its one-decimal summary).
double ffmpeg_reading(const std::string& key) {
  const std::string command = "ffmpeg -nostdin -nostats -hide_banner -i '" + kDemoMix +
                              "' -af ebur128=metadata=1,ametadata=mode=print:key=" + key +
                              " -f null - 2>&1";
  double value = NAN;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char line[512];
    const std::string prefix = key + "=";
    while (fgets(line, sizeof line, pipe) != nullptr) {
      const std::string text = line;
      const auto at = text.find(prefix);
      if (at != std::string::npos) value = std::stod(text.substr(at + prefix.size()));
    }
    pclose(pipe);
  }
  return value;
}

// Final readings of masterloudness on the demo mix, decoded by GStreamer.
GstStructure* element_reading() {
  lacquer::test::init_gstreamer();
  const std::string launch = "filesrc location=\"" + kDemoMix +
                             "\" ! decodebin ! audioconvert ! masterloudness ! fakesink";
  GstElement* pipeline = gst_parse_launch(launch.c_str(), nullptr);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstStructure* result = nullptr;
  for (;;) {
    GstMessage* message = gst_bus_timed_pop_filtered(
        bus, 60 * GST_SECOND,
        GstMessageType(GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (message == nullptr) break;
    const bool done = GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT;
    if (!done) {
      if (result) gst_structure_free(result);
      result = gst_structure_copy(gst_message_get_structure(message));
    }
    gst_message_unref(message);
    if (done) break;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crosscheck)

BOOST_AUTO_TEST_CASE(demo_mix_reads_as_ffmpeg_ebur128_reads_it) {
  const double ffmpeg_integrated = ffmpeg_reading("lavfi.r128.I");
  const double ffmpeg_range = ffmpeg_reading("lavfi.r128.LRA");
  BOOST_TEST_REQUIRE(std::isfinite(ffmpeg_integrated), "ffmpeg gave no reading");
  GstStructure* ours = element_reading();
  BOOST_TEST_REQUIRE(ours != nullptr);
  double integrated = NAN;
  double range = NAN;
  gst_structure_get_double(ours, "integrated", &integrated);
  gst_structure_get_double(ours, "loudness-range", &range);
  gst_structure_free(ours);
  BOOST_TEST_MESSAGE("integrated: masterloudness " << integrated << " LUFS, ffmpeg " << ffmpeg_integrated);
  BOOST_TEST_MESSAGE("loudness range: masterloudness " << range << " LU, ffmpeg " << ffmpeg_range);
  BOOST_TEST(std::fabs(integrated - ffmpeg_integrated) <= 0.1);
  // Tech 3342 leaves the short-term sampling to the meter; its tolerance is ±1 LU.
  BOOST_TEST(std::fabs(range - ffmpeg_range) <= 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
