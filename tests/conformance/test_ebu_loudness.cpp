// EBU Tech 3341 (loudness metering, "EBU mode") and Tech 3342 (loudness
// range) minimum requirements, run through both faces of the meter: the
// masterloudness element and the urn:lacquer:loudness plugin. The signals are
// generated here from the tables of the two documents (1 kHz stereo sines,
// peak levels in dBFS). Tolerances are the documents' own.
#include <boost/test/unit_test.hpp>

#include "gst_run.hpp"
#include "lv2_run.hpp"

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

using namespace lacquer;

namespace {

constexpr double kRate = 48000.0;

struct Segment {
  double dbfs;
  double seconds;
};

// Consecutive 1 kHz segments with continuous phase.
std::vector<float> segments(const std::vector<Segment>& parts, double freq = 1000.0) {
  std::vector<float> out;
  std::size_t n = 0;
  for (const Segment& part : parts) {
    const double amp = test::db_to_linear(part.dbfs);
    const auto frames = std::size_t(std::llround(part.seconds * kRate));
    for (std::size_t i = 0; i < frames; ++i, ++n) {
      out.push_back(float(amp * std::sin(2.0 * std::numbers::pi * freq * double(n) / kRate)));
    }
  }
  return out;
}

test::Planar stereo(const std::vector<float>& x) { return {x, x}; }

struct Readings {
  double momentary, short_term, integrated, range, true_peak;
};

Readings through_element(const test::Planar& input) {
  auto result = test::run_gst("masterloudness", input, {.block = 4800});
  BOOST_TEST_REQUIRE(result.error.empty(), result.error);
  return {result.last("momentary"), result.last("short-term"), result.last("integrated"),
          result.last("loudness-range"), result.last("true-peak")};
}

Readings through_plugin(const test::Planar& input) {
  test::Lv2World world;
  const std::string uri = input.size() == 2 ? "urn:lacquer:loudness"
                          : input.size() == 1 ? "urn:lacquer:loudness#mono"
                                              : "urn:lacquer:loudness#6ch";
  test::Lv2Instance plugin(world, "loudness", uri, kRate);
  plugin.run(input, 4800);
  return {plugin.control("momentary"), plugin.control("short_term"), plugin.control("integrated"),
          plugin.control("loudness_range"), plugin.control("true_peak")};
}

void report(const char* face, const Readings& r) {
  BOOST_TEST_MESSAGE(face << ": M " << r.momentary << ", S " << r.short_term << ", I "
                          << r.integrated << ", LRA " << r.range << ", TP " << r.true_peak);
}

template <typename F>
void both_faces(const test::Planar& input, F&& check) {
  BOOST_TEST_CONTEXT("masterloudness") {
    const Readings r = through_element(input);
    report("masterloudness", r);
    check(r);
  }
  BOOST_TEST_CONTEXT("urn:lacquer:loudness") {
    const Readings r = through_plugin(input);
    report("urn:lacquer:loudness", r);
    check(r);
  }
}

bool within(double value, double expected, double tolerance) {
  return std::fabs(value - expected) <= tolerance;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ebu_tech_3341)

BOOST_AUTO_TEST_CASE(case_1_minus23_dbfs_reads_minus23_lufs) {
  both_faces(stereo(segments({{-23, 20}})), [](const Readings& r) {
    BOOST_TEST(within(r.momentary, -23.0, 0.1), r.momentary);
    BOOST_TEST(within(r.short_term, -23.0, 0.1), r.short_term);
    BOOST_TEST(within(r.integrated, -23.0, 0.1), r.integrated);
  });
}

BOOST_AUTO_TEST_CASE(case_2_minus33_dbfs_reads_minus33_lufs) {
  both_faces(stereo(segments({{-33, 20}})), [](const Readings& r) {
    BOOST_TEST(within(r.momentary, -33.0, 0.1), r.momentary);
    BOOST_TEST(within(r.short_term, -33.0, 0.1), r.short_term);
    BOOST_TEST(within(r.integrated, -33.0, 0.1), r.integrated);
  });
}

BOOST_AUTO_TEST_CASE(case_3_relative_gate) {
  both_faces(stereo(segments({{-36, 10}, {-23, 60}, {-36, 10}})), [](const Readings& r) {
    BOOST_TEST(within(r.integrated, -23.0, 0.1), r.integrated);
  });
}

BOOST_AUTO_TEST_CASE(case_4_absolute_and_relative_gate) {
  both_faces(stereo(segments({{-72, 10}, {-36, 10}, {-23, 60}, {-36, 10}, {-72, 10}})),
             [](const Readings& r) { BOOST_TEST(within(r.integrated, -23.0, 0.1), r.integrated); });
}

BOOST_AUTO_TEST_CASE(case_5_level_steps) {
  both_faces(stereo(segments({{-26, 20}, {-20, 20.1}, {-26, 20}})),
             [](const Readings& r) { BOOST_TEST(within(r.integrated, -23.0, 0.1), r.integrated); });
}

// Case 6, 5.0: L and R at -28 dBFS, C at -24 dBFS, Ls and Rs at -30 dBFS
// (Tech 3341's table; the surrounds count +1.5 dB). The element takes it as
// 5.0 caps; the plugin's 6-channel variant (L R C LFE Ls Rs) with the LFE silent.
BOOST_AUTO_TEST_CASE(case_6_surround_weights) {
  const auto side = segments({{-28, 20}});
  const auto centre = segments({{-24, 20}});
  const auto surround = segments({{-30, 20}});
  const std::vector<float> silent(side.size(), 0.0f);
  auto element = test::run_gst("masterloudness", {side, side, centre, surround, surround},
                               {.block = 4800, .extra_caps = ", channel-mask=(bitmask)0x37"});
  BOOST_TEST_REQUIRE(element.error.empty(), element.error);
  BOOST_TEST(within(element.last("integrated"), -23.0, 0.1), element.last("integrated"));
  const Readings plugin = through_plugin({side, side, centre, silent, surround, surround});
  BOOST_TEST(within(plugin.integrated, -23.0, 0.1), plugin.integrated);
}

// Case 9: short-term loudness of a 3 s periodic burst pattern is constant at
// -23.0 once the window is full. Checked every 100 ms after 3 s.
BOOST_AUTO_TEST_CASE(case_9_short_term_constant_after_3s) {
  std::vector<Segment> pattern;
  for (int i = 0; i < 5; ++i) {
    pattern.push_back({-20, 1.34});
    pattern.push_back({-30, 1.66});
  }
  const auto input = stereo(segments(pattern));
  auto element = test::run_gst("masterloudness interval=100000000", input, {.block = 480});
  BOOST_TEST_REQUIRE(element.error.empty(), element.error);
  int checked = 0;
  for (GstStructure* s : element.messages) {
    guint64 time = 0;
    double value = 0;
    gst_structure_get_uint64(s, "running-time", &time);
    gst_structure_get_double(s, "short-term", &value);
    if (time < 3 * GST_SECOND + GST_MSECOND) continue;
    BOOST_TEST(within(value, -23.0, 0.1), "at " << double(time) / 1e9 << " s: " << value);
    ++checked;
  }
  BOOST_TEST(checked >= 100);
  test::Lv2World world;
  test::Lv2Instance plugin(world, "loudness", "urn:lacquer:loudness", kRate);
  plugin.run(input, 4800, [&](test::Lv2Instance& p, std::size_t done) {
    if (done >= std::size_t(3 * kRate)) BOOST_TEST(within(p.control("short_term"), -23.0, 0.1));
  });
}

// Case 12: momentary loudness of a 0.4 s periodic burst pattern is constant
// at -23.0 once the window is full. Checked every 100 ms after 1 s.
BOOST_AUTO_TEST_CASE(case_12_momentary_constant_after_1s) {
  std::vector<Segment> pattern;
  for (int i = 0; i < 25; ++i) {
    pattern.push_back({-20, 0.18});
    pattern.push_back({-30, 0.22});
  }
  const auto input = stereo(segments(pattern));
  auto element = test::run_gst("masterloudness interval=100000000", input, {.block = 480});
  int checked = 0;
  for (GstStructure* s : element.messages) {
    guint64 time = 0;
    double value = 0;
    gst_structure_get_uint64(s, "running-time", &time);
    gst_structure_get_double(s, "momentary", &value);
    if (time < GST_SECOND + GST_MSECOND) continue;
    BOOST_TEST(within(value, -23.0, 0.1), "at " << double(time) / 1e9 << " s: " << value);
    ++checked;
  }
  BOOST_TEST(checked >= 80);
  test::Lv2World world;
  test::Lv2Instance plugin(world, "loudness", "urn:lacquer:loudness", kRate);
  plugin.run(input, 4800, [&](test::Lv2Instance& p, std::size_t done) {
    if (done >= std::size_t(kRate)) BOOST_TEST(within(p.control("momentary"), -23.0, 0.1));
  });
}

// True peak (cases 15-19 in kind): sines at fs/4, fs/6 and fs/8 whose peaks
// fall between samples at the given phase, and a +3 dBTP case whose samples
// stay at 0 dBFS. Expected true peak is the sine's amplitude; tolerance
// +0.2 / -0.4 dB.
BOOST_AUTO_TEST_CASE(true_peak_between_samples) {
  struct Case {
    double freq_fraction, phase_deg, dbtp;
  };
  for (Case c : {Case{1.0 / 4, 45.0, -6.0}, Case{1.0 / 6, 60.0, -6.0}, Case{1.0 / 8, 67.5, -6.0},
                 Case{1.0 / 4, 0.0, -6.0}, Case{1.0 / 4, 45.0, 3.0}}) {
    const double amp = test::db_to_linear(c.dbtp);
    std::vector<float> x(std::size_t(kRate * 2));
    // 20 ms raised-cosine fades: an abrupt start would ring in any
    // interpolator (Gibbs) and measure the onset instead of the sine.
    const std::size_t fade = std::size_t(0.02 * kRate);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const std::size_t edge = std::min(i, x.size() - 1 - i);
      const double gain = edge >= fade ? 1.0 : 0.5 - 0.5 * std::cos(std::numbers::pi * double(edge) / double(fade));
      x[i] = float(gain * amp * std::sin(2.0 * std::numbers::pi * c.freq_fraction * double(i) +
                                         c.phase_deg * std::numbers::pi / 180.0));
    }
    BOOST_TEST_CONTEXT("fs*" << c.freq_fraction << " phase " << c.phase_deg << " at " << c.dbtp << " dBTP") {
      both_faces(stereo(x), [&](const Readings& r) {
        BOOST_TEST(r.true_peak <= c.dbtp + 0.2, r.true_peak);
        BOOST_TEST(r.true_peak >= c.dbtp - 0.4, r.true_peak);
      });
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ebu_tech_3342)

BOOST_AUTO_TEST_CASE(loudness_range_cases_1_to_4) {
  struct Case {
    std::vector<Segment> parts;
    double lra;
  };
  const std::vector<Case> cases = {
      {{{-20, 20}, {-30, 20}}, 10.0},
      {{{-20, 20}, {-15, 20}}, 5.0},
      {{{-40, 20}, {-20, 20}}, 20.0},
      {{{-50, 20}, {-35, 20}, {-20, 20}, {-35, 20}, {-50, 20}}, 15.0},
  };
  int number = 1;
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("case " << number++) {
      both_faces(stereo(segments(c.parts)), [&](const Readings& r) {
        BOOST_TEST(within(r.range, c.lra, 1.0), r.range);
      });
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
