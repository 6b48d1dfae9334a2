// masterimager as users meet it: stereo in, stereo out, the same length and
// alignment, its meters posted on the bus, bands set through the child proxy.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"

#include <cmath>
#include <numbers>

using namespace lacquer;

namespace {

test::Planar independent_noise(std::size_t frames) {
  return {test::white_noise(frames, -20.0, 21), test::white_noise(frames, -20.0, 22)};
}

std::vector<float> side_of(const test::Planar& audio) {
  std::vector<float> s(audio[0].size());
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = 0.5f * (audio[0][i] - audio[1][i]);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(masterimager)

// Issue 5 through the element: at the default width the audio is unchanged
// within 1e-7, in both layouts; nothing is added or dropped, the timestamps run
// on without a gap and the element adds no latency.
BOOST_AUTO_TEST_CASE(neutral_audio_passes_unchanged_length_and_latency_kept) {
  const test::Planar input = independent_noise(48000 + 333);
  for (bool interleaved : {true, false}) {
    BOOST_TEST_CONTEXT((interleaved ? "interleaved" : "planar")) {
      auto result =
          test::run_gst("masterimager", input, {.block = 1000, .interleaved = interleaved});
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      BOOST_TEST_REQUIRE(result.output.size() == 2u);
      BOOST_TEST(result.output[0].size() == input[0].size());
      BOOST_TEST(result.first_pts == 0u);
      BOOST_TEST(result.end_time ==
                 gst_util_uint64_scale_round(input[0].size(), GST_SECOND, 48000));
      BOOST_TEST(result.timestamps_contiguous);
      BOOST_TEST(result.latency == 0u);
      double worst = 0.0;
      for (int c = 0; c < 2; ++c) {
        for (std::size_t i = 0; i < input[0].size(); ++i) {
          worst = std::max(worst, std::fabs(double(result.output[c][i]) - input[c][i]));
        }
      }
      BOOST_TEST(worst <= 1e-7);
    }
  }
}

// Issue 5: width 0 % makes left equal right exactly.
BOOST_AUTO_TEST_CASE(zero_width_gives_identical_channels) {
  auto result = test::run_gst("masterimager width=0", independent_noise(48000));
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  std::size_t unequal = 0;
  for (std::size_t i = 0; i < result.output[0].size(); ++i)
    unequal += result.output[0][i] != result.output[1][i];
  BOOST_TEST(unequal == 0u);
}

// Issue 5: stereo only, with a clear negotiation error for anything else.
BOOST_AUTO_TEST_CASE(mono_and_surround_fail_with_a_clear_message) {
  auto mono = test::run_gst("masterimager", test::Planar(1, std::vector<float>(4800, 0.0f)));
  BOOST_TEST(mono.error == "masterimager accepts 2 channels; the stream has 1.");
  auto surround = test::run_gst("masterimager", test::Planar(6, std::vector<float>(4800, 0.0f)),
                                {.extra_caps = ", channel-mask=(bitmask)0x3f"});
  BOOST_TEST(surround.error == "masterimager accepts 2 channels; the stream has 6.");
}

// The meters arrive as element messages: correlation +1 / -1 within 0.02 for
// identical and inverted channels, and 3.01 LU of mono loss (±0.1 LU) for two
// sines 90° apart; the safety's width reads 100 % while it is off.
BOOST_AUTO_TEST_CASE(meters_are_posted_as_element_messages) {
  const double rate = 48000.0;
  const auto noise = test::white_noise(96000, -20.0, 23);
  std::vector<float> inverted(noise.size());
  for (std::size_t i = 0; i < noise.size(); ++i) inverted[i] = -noise[i];

  auto identical = test::run_gst("masterimager interval=500000000", {noise, noise});
  BOOST_TEST_REQUIRE(identical.error.empty(), identical.error);
  BOOST_TEST_REQUIRE(!identical.messages.empty());
  for (GstStructure* s : identical.messages) {
    BOOST_TEST(gst_structure_has_name(s, "masterimager"));
    BOOST_TEST(gst_structure_has_field_typed(s, "correlation", G_TYPE_DOUBLE));
    BOOST_TEST(gst_structure_has_field_typed(s, "mono-loss", G_TYPE_DOUBLE));
    BOOST_TEST(gst_structure_has_field_typed(s, "safety-width", G_TYPE_DOUBLE));
  }
  BOOST_TEST(identical.last("safety-width") == 100.0);  // the safety is off
  BOOST_TEST(identical.messages.size() >= 4u);          // 2 s every 500 ms, and one at EOS
  BOOST_TEST(std::fabs(identical.last("correlation") - 1.0) < 0.02);
  BOOST_TEST(std::fabs(identical.last("mono-loss")) < 0.1);

  auto opposite = test::run_gst("masterimager", {noise, inverted});
  BOOST_TEST(std::fabs(opposite.last("correlation") + 1.0) < 0.02);

  auto quadrature =
      test::run_gst("masterimager", {test::sine(rate, 1000.0, -12.0, 96000),
                                     test::sine(rate, 1000.0, -12.0, 96000, std::numbers::pi / 2)});
  BOOST_TEST(std::fabs(quadrature.last("correlation")) < 0.02);
  BOOST_TEST(std::fabs(quadrature.last("mono-loss") - 10.0 * std::log10(2.0)) < 0.1);
}

// Bands are children: band1::width=0 with per-band width on removes the side
// at 50 Hz (a fifth of the 250 Hz split) by at least 40 dB, and bass mono
// removes it by 40 dB an octave under its frequency.
BOOST_AUTO_TEST_CASE(band_children_and_bass_mono_act_on_the_side) {
  const double rate = 48000.0;
  const auto tone = test::sine(rate, 50.0, -6.0, 96000);
  std::vector<float> inverted(tone.size());
  for (std::size_t i = 0; i < tone.size(); ++i) inverted[i] = -tone[i];
  const test::Planar side_tone{tone, inverted};
  const double before = test::rms(side_of(side_tone), 48000);
  for (const char* description : {"masterimager multiband=true band1::width=0",
                                  "masterimager bass-mono=true bass-mono-freq=100"}) {
    BOOST_TEST_CONTEXT(description) {
      auto result = test::run_gst(description, side_tone);
      BOOST_TEST_REQUIRE(result.error.empty(), result.error);
      const double after = test::rms(side_of(result.output), 48000);
      BOOST_TEST(test::linear_to_db(after / before) <= -40.0);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
