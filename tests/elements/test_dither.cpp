// masterdither as users meet it: float in, 16/24/32-bit integers (or float on
// the grid) out, the same samples as the dsp stage, and a file that keeps its
// length.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/dither.hpp>

#include "gst_run.hpp"
#include "run_stage.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace lacquer;

namespace {

test::Planar programme(std::size_t frames) {
  return {test::white_noise(frames, -18.0, 21), test::white_noise(frames, -18.0, 22)};
}

// What the dsp stage itself makes of `input` with these settings.
test::Planar through_dsp(const test::Planar& input, int bits, dsp::DitherType type,
                         dsp::NoiseShapingCurve curve, int seed, double rate = 48000.0) {
  auto runner = test::make_runner("dither", rate, int(input.size()));
  dsp::Stage& stage = runner->stage();
  stage.set(dsp::Dither::kBits, float(bits));
  stage.set(dsp::Dither::kType, float(int(type)));
  stage.set(dsp::Dither::kShape, float(int(curve)));
  stage.set(dsp::Dither::kSeed, float(seed));
  runner->reset();
  test::Planar out = input;
  test::run_blocks(*runner, out, 1000);
  return out;
}

long differences(const test::Planar& a, const test::Planar& b) {
  if (a.size() != b.size()) return -1;
  long count = 0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    if (a[c].size() != b[c].size()) return -1;
    for (std::size_t i = 0; i < a[c].size(); ++i) count += a[c][i] != b[c][i];
  }
  return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masterdither)

// The integer words the element writes are the dsp stage's grid values, bit
// for bit: the conversion adds no second rounding. S24LE is read back through
// audioconvert to S32LE (an exact shift).
BOOST_AUTO_TEST_CASE(integer_output_is_the_dsp_grid_bit_for_bit) {
  const auto input = programme(48000);
  struct Case {
    int bits;
    const char* caps;
  };
  for (const Case& k :
       {Case{16, "audio/x-raw,format=S16LE"},
        Case{24, "audio/x-raw,format=S24LE ! audioconvert ! audio/x-raw,format=S32LE"},
        Case{20, "audio/x-raw,format=S32LE"}, Case{16, "audio/x-raw,format=F32LE"}}) {
    BOOST_TEST_CONTEXT(k.bits << " bits as " << k.caps) {
      const std::string launch = "masterdither bits=" + std::to_string(k.bits) +
                                 " type=shaped shape=aggressive seed=7 ! " + k.caps;
      auto result = test::run_gst(launch, input, {.block = 1024});
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      const auto expected = through_dsp(input, k.bits, dsp::DitherType::shaped,
                                        dsp::NoiseShapingCurve::aggressive, 7);
      BOOST_TEST(differences(result.output, expected) == 0);
    }
  }
}

// F64 in gives the same words as F32 in (the stage works on the float value).
BOOST_AUTO_TEST_CASE(f64_input_gives_the_same_words) {
  const auto input = programme(24000);
  auto from_f32 = test::run_gst("masterdither seed=3 ! audio/x-raw,format=S16LE", input);
  auto from_f64 =
      test::run_gst("masterdither seed=3 ! audio/x-raw,format=S16LE", input, {.format = "F64LE"});
  BOOST_TEST_REQUIRE(from_f64.error.empty(), from_f64.error);
  BOOST_TEST(differences(from_f32.output, from_f64.output) == 0);
}

// Length, first timestamp and contiguity are kept, and the element adds no
// latency.
BOOST_AUTO_TEST_CASE(stream_keeps_its_length_and_reports_no_latency) {
  const std::size_t frames = 48000 + 123;
  const auto input = programme(frames);
  for (int block : {64, 1000, 4096}) {
    BOOST_TEST_CONTEXT("block " << block) {
      auto result = test::run_gst("masterdither type=shaped ! audio/x-raw,format=S16LE", input,
                                  {.block = block});
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      BOOST_TEST(result.output.front().size() == frames);
      BOOST_TEST(result.first_pts == GstClockTime(0));
      BOOST_TEST(result.end_time == gst_util_uint64_scale_round(frames, GST_SECOND, 48000));
      BOOST_TEST(result.timestamps_contiguous);
      BOOST_TEST(result.latency == GstClockTime(0));
    }
  }
}

// Digital silence stays digital silence in the written words (auto-blank is
// on by default).
BOOST_AUTO_TEST_CASE(silence_gives_zero_words) {
  const test::Planar silence(2, std::vector<float>(48000, 0.0f));
  auto result = test::run_gst("masterdither type=shaped ! audio/x-raw,format=S16LE", silence);
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  for (const auto& ch : result.output) {
    BOOST_TEST(std::all_of(ch.begin(), ch.end(), [](float x) { return x == 0.0f; }));
  }
}

// `masterdither bits=16 ! wavenc` writes a CD-ready file: 16-bit PCM with
// exactly as many frames as went in.
BOOST_AUTO_TEST_CASE(wavenc_writes_a_16_bit_file_of_the_same_length) {
  test::init_gstreamer();
  char path[] = "/tmp/lacquer-dither-XXXXXX.wav";
  const int fd = mkstemps(path, 4);
  BOOST_TEST_REQUIRE(fd >= 0);
  close(fd);
  const std::string launch =
      "audiotestsrc num-buffers=10 samplesperbuffer=4410 volume=0.5 ! "
      "audio/x-raw,format=F32LE,rate=44100,channels=2 ! masterdither bits=16 type=shaped ! "
      "wavenc ! filesink location=" +
      std::string(path);
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  BOOST_TEST_REQUIRE(error == nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* done = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  BOOST_TEST_REQUIRE(done != nullptr);
  BOOST_TEST(GST_MESSAGE_TYPE(done) == GST_MESSAGE_EOS);
  gst_message_unref(done);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);

  std::ifstream file(path, std::ios::binary);
  const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(file), {}};
  std::remove(path);
  auto u16 = [&](std::size_t at) { return unsigned(bytes[at]) | unsigned(bytes[at + 1]) << 8; };
  auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  // RIFF chunks after the 12-byte header: "fmt " then "data".
  unsigned format = 0, channels = 0, bits = 0, data_bytes = 0;
  for (std::size_t at = 12; at + 8 <= bytes.size(); at += 8 + u32(at + 4) + (u32(at + 4) & 1u)) {
    const std::string id(bytes.begin() + long(at), bytes.begin() + long(at) + 4);
    if (id == "fmt ") {
      format = u16(at + 8);
      channels = u16(at + 10);
      bits = u16(at + 22);
    } else if (id == "data") {
      data_bytes = u32(at + 4);
    }
  }
  BOOST_TEST(format == 1u);  // WAVE_FORMAT_PCM
  BOOST_TEST(channels == 2u);
  BOOST_TEST(bits == 16u);
  BOOST_TEST(data_bytes == 10u * 4410u * 2u * 2u);
}

BOOST_AUTO_TEST_SUITE_END()
