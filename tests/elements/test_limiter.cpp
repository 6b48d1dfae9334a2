// masterlimiter as users meet it: the latency reported, the lookahead tail
// drained so the stream keeps its length and alignment, the ceiling held on
// real programme, and the gain reduction posted on the bus.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <lacquer/dsp/registry.hpp>
#include <string>

#include "gst_run.hpp"
#include "run_stage.hpp"
#include "true_peak16.hpp"

using namespace lacquer;

namespace {

int latency_frames(double rate, float lookahead_ms) {
  return test::stage_latency("limiter", rate, "lookahead", lookahead_ms);
}

// Under the -1 dBTP ceiling with room to spare (true peak about -3.5 dBTP).
test::Planar quiet_programme(std::size_t frames) {
  test::Planar audio{test::sine(48000.0, 997.0, -8.0, frames),
                     test::white_noise(frames, -20.0, 31)};
  for (std::size_t i = 0; i < frames; ++i) audio[1][i] += 0.3f * audio[0][i];
  return audio;
}

double largest_difference(const test::Planar& a, const test::Planar& b) {
  double worst = 0.0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    for (std::size_t i = 0; i < a[c].size(); ++i)
      worst = std::max(worst, std::fabs(double(a[c][i]) - b[c][i]));
  }
  return worst;
}

std::filesystem::path demo_mix() {
  std::filesystem::path path =
      std::filesystem::path(LACQUER_BUILD_ROOT) / ".." / "data" / "demo-mix.flac";
  if (!std::filesystem::exists(path)) {
    path = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "data" / "demo-mix.flac";
  }
  return path;
}

// Runs `launch` (a whole pipeline) to EOS; returns the first error or "".
std::string run_pipeline(const std::string& launch) {
  test::init_gstreamer();
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (error != nullptr) {
    std::string text = error->message;
    g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return text;
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* done = gst_bus_timed_pop_filtered(
      bus, 120 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string result = done == nullptr ? "timeout" : "";
  if (done != nullptr && GST_MESSAGE_TYPE(done) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gst_message_parse_error(done, &err, nullptr);
    result = err->message;
    g_error_free(err);
  }
  if (done) gst_message_unref(done);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return result;
}

// Reads a 32-bit float WAV as written by wavenc.
test::Planar read_float_wav(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(file), {}};
  auto u16 = [&](std::size_t at) { return unsigned(bytes[at]) | unsigned(bytes[at + 1]) << 8; };
  auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  unsigned channels = 0, bits = 0;
  for (std::size_t at = 12; at + 8 <= bytes.size(); at += 8 + u32(at + 4) + (u32(at + 4) & 1u)) {
    const std::string id(bytes.begin() + long(at), bytes.begin() + long(at) + 4);
    if (id == "fmt ") {
      channels = u16(at + 10);
      bits = u16(at + 22);
    } else if (id == "data" && channels > 0 && bits == 32) {
      const std::size_t frames = u32(at + 4) / (4u * channels);
      test::Planar audio(channels, std::vector<float>(frames));
      const auto* samples = reinterpret_cast<const float*>(bytes.data() + at + 8);
      for (std::size_t i = 0; i < frames; ++i) {
        for (unsigned c = 0; c < channels; ++c) audio[c][i] = samples[i * channels + c];
      }
      return audio;
    }
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masterlimiter)

// Issue 6: a signal under the ceiling comes out equal to the input within 1e-6,
// sample-aligned (the element hides its lookahead behind the timestamps and
// drains the tail at EOS), with every frame there and the LATENCY query
// answering the lookahead plus the detector's delay. Any block size, both
// layouts, 44.1 and 96 kHz.
BOOST_AUTO_TEST_CASE(under_ceiling_output_is_the_input_aligned_and_latency_reported) {
  for (int rate : {44100, 96000}) {
    const std::size_t frames = std::size_t(rate) + 777;
    test::Planar input{test::sine(rate, 997.0, -8.0, frames), test::white_noise(frames, -20.0, 32)};
    for (std::size_t i = 0; i < frames; ++i) input[1][i] += 0.3f * input[0][i];
    for (int block : {64, 1000, 4096}) {
      for (bool interleaved : {true, false}) {
        BOOST_TEST_CONTEXT(rate << " Hz, block " << block
                                << (interleaved ? ", interleaved" : ", planar")) {
          auto result = test::run_gst("masterlimiter", input,
                                      {.rate = rate, .block = block, .interleaved = interleaved});
          BOOST_TEST_REQUIRE(result.error.empty(), result.error);
          BOOST_TEST_REQUIRE(result.output.size() == 2u);
          BOOST_TEST(result.output[0].size() == frames);
          BOOST_TEST(result.first_pts == GstClockTime(0));
          BOOST_TEST(result.end_time ==
                     gst_util_uint64_scale_round(frames, GST_SECOND, guint64(rate)));
          BOOST_TEST(result.timestamps_contiguous);
          BOOST_TEST(result.latency ==
                     gst_util_uint64_scale_round(guint64(latency_frames(rate, 1.5f)), GST_SECOND,
                                                 guint64(rate)));
          BOOST_TEST(largest_difference(result.output, input) <= 1e-6);
        }
      }
    }
  }
}

// A longer lookahead is a longer reported latency, and still no shift.
BOOST_AUTO_TEST_CASE(lookahead_property_sets_the_reported_latency) {
  const test::Planar input = quiet_programme(48000);
  auto result = test::run_gst("masterlimiter lookahead=8", input);
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST(result.latency ==
             gst_util_uint64_scale_round(guint64(latency_frames(48000, 8.0f)), GST_SECOND, 48000));
  BOOST_TEST(largest_difference(result.output, input) <= 1e-6);
}

// Issue 6: output length equals input length and is sample-aligned with it
// through a file -> masterlimiter -> file pipeline (the demo mix, 30 s, whose
// true peak of -4.5 dBTP leaves the limiter idle at the default ceiling).
BOOST_AUTO_TEST_CASE(file_through_element_keeps_length_and_alignment) {
  const auto source = demo_mix();
  BOOST_TEST_REQUIRE(std::filesystem::exists(source), "missing " << source);
  const auto dir = std::filesystem::temp_directory_path();
  const auto plain = dir / ("lacquer-limiter-plain-" + std::to_string(getpid()) + ".wav");
  const auto limited = dir / ("lacquer-limiter-limited-" + std::to_string(getpid()) + ".wav");
  const std::string head = "filesrc location=\"" + source.string() +
                           "\" ! decodebin ! audioconvert ! audio/x-raw,format=F32LE ! ";
  BOOST_TEST_REQUIRE(run_pipeline(head + "wavenc ! filesink location=\"" + plain.string() + "\"") ==
                     "");
  BOOST_TEST_REQUIRE(run_pipeline(head +
                                  "masterlimiter ! audioconvert ! audio/x-raw,format=F32LE ! "
                                  "wavenc ! filesink location=\"" +
                                  limited.string() + "\"") == "");
  const test::Planar reference = read_float_wav(plain);
  const test::Planar output = read_float_wav(limited);
  std::filesystem::remove(plain);
  std::filesystem::remove(limited);
  BOOST_TEST_REQUIRE(reference.size() == 2u);
  BOOST_TEST_REQUIRE(output.size() == 2u);
  BOOST_TEST(reference[0].size() == std::size_t(30 * 48000));
  BOOST_TEST_REQUIRE(output[0].size() == reference[0].size());
  BOOST_TEST(largest_difference(output, reference) <= 1e-6);
}

// Issue 6 through the element: the demo mix driven +12 dB stays at or under
// -1 dBTP + 0.1 dB (independent 16x meter) and its sample peak under -1 dBFS.
BOOST_AUTO_TEST_CASE(demo_mix_driven_12_db_holds_the_ceiling) {
  const auto source = demo_mix();
  BOOST_TEST_REQUIRE(std::filesystem::exists(source), "missing " << source);
  const auto out = std::filesystem::temp_directory_path() /
                   ("lacquer-limiter-driven-" + std::to_string(getpid()) + ".wav");
  BOOST_TEST_REQUIRE(
      run_pipeline("filesrc location=\"" + source.string() +
                   "\" ! decodebin ! audioconvert ! audio/x-raw,format=F32LE ! "
                   "masterlimiter drive=12 ceiling=-1 ! wavenc ! filesink location=\"" +
                   out.string() + "\"") == "");
  const test::Planar output = read_float_wav(out);
  std::filesystem::remove(out);
  BOOST_TEST_REQUIRE(output.size() == 2u);
  BOOST_TEST(output[0].size() == std::size_t(30 * 48000));
  const test::TruePeak16 meter;
  const double true_peak = meter.peak_db(output);
  std::printf("masterlimiter demo mix +12 dB: %.4f dBTP, %.6f dBFS sample peak\n", true_peak,
              test::sample_peak_db(output));
  BOOST_TEST(true_peak <= -1.0 + 0.1);
  BOOST_TEST(test::sample_peak_db(output) <= -1.0);
}

// The gain reduction reaches the bus: a sine at the ceiling driven 6 dB reads
// 6 dB of reduction (±0.05 dB), in the overall field and per channel.
BOOST_AUTO_TEST_CASE(gain_reduction_is_posted_on_the_bus) {
  const test::Planar input(2, test::sine(48000.0, 1000.0, -1.0, 48000 * 2));
  auto result = test::run_gst(
      "masterlimiter drive=6 release=1000 auto-release=false interval=250000000", input);
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  BOOST_TEST_REQUIRE(result.messages.size() >= 8u);
  for (GstStructure* s : result.messages) {
    BOOST_TEST(gst_structure_has_name(s, "masterlimiter"));
    BOOST_TEST(gst_structure_has_field_typed(s, "gain-reduction", G_TYPE_DOUBLE));
    BOOST_TEST(gst_structure_has_field_typed(s, "gain-reduction-channels", GST_TYPE_ARRAY));
  }
  // The message before the final one: the final one follows the drained tail.
  double reduction = 0.0;
  gst_structure_get_double(result.messages[result.messages.size() - 2], "gain-reduction",
                           &reduction);
  BOOST_TEST(std::fabs(reduction - 6.0) <= 0.05);
}

// Mono and 5.1 streams are limited too, every channel under the ceiling.
BOOST_AUTO_TEST_CASE(mono_and_surround_are_limited) {
  for (int channels : {1, 6}) {
    BOOST_TEST_CONTEXT(channels << " channels") {
      test::Planar input;
      for (int c = 0; c < channels; ++c)
        input.push_back(test::white_noise(24000, -12.0, 40u + unsigned(c)));
      auto result =
          test::run_gst("masterlimiter drive=12", input,
                        {.extra_caps = channels == 6 ? ", channel-mask=(bitmask)0x3f" : ""});
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      BOOST_TEST_REQUIRE(result.output.size() == std::size_t(channels));
      BOOST_TEST(result.output[0].size() == 24000u);
      BOOST_TEST(test::sample_peak_db(result.output) <= -1.0);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
