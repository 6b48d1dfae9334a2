// The compressor (`comp`) and its building blocks, measured against the
// static curve of Giannoulis, Massberg and Reiss (JAES 2012, eq. 4) and the
// documented meaning of attack and release (time to 63 % of a level step).
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/compressor.hpp>
#include <lacquer/dsp/gain_computer.hpp>
#include <lacquer/dsp/level_detector.hpp>

#include "../common/run_stage.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

using namespace lacquer;

namespace {

constexpr double kRate = 48000.0;

// Eq. (4) of Giannoulis et al., written out here independently of
// GainComputer: output level for input level x.
double expected_output_db(double x, double threshold, double ratio, double knee) {
  const double inv_ratio = ratio >= 100.0 ? 0.0 : 1.0 / ratio;
  if (2.0 * (x - threshold) < -knee) return x;
  if (2.0 * std::fabs(x - threshold) <= knee) {
    const double d = x - threshold + knee / 2.0;
    return x + (inv_ratio - 1.0) * d * d / (2.0 * knee);
  }
  return threshold + (x - threshold) * inv_ratio;
}

using Settings = std::map<std::string, float>;

std::unique_ptr<dsp::StageRunner> make_comp(const Settings& settings, int channels = 2, double rate = kRate) {
  auto runner = test::make_runner("comp", rate, channels);
  for (const auto& [symbol, value] : settings) {
    runner->stage().set(test::param_index(runner->stage(), symbol), value);
  }
  runner->reset();
  return runner;
}

// First frame from `from` on where `pred(reduction_db)` holds, for DC input
// (gain = out / in).
template <typename Pred>
std::size_t first_frame(const std::vector<float>& in, const std::vector<float>& out, std::size_t from,
                        Pred pred) {
  for (std::size_t i = from; i < in.size(); ++i) {
    const double reduction = -test::linear_to_db(double(out[i]) / double(in[i]));
    if (pred(reduction)) return i;
  }
  return in.size();
}

double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gain_computer)

BOOST_AUTO_TEST_CASE(soft_knee_is_continuous_at_both_knee_edges) {
  const dsp::GainComputer curve(-20.0f, 4.0f, 10.0f);
  for (float edge : {-25.0f, -15.0f}) {
    BOOST_TEST(curve.output_db(edge - 1e-3f) == curve.output_db(edge + 1e-3f),
               boost::test_tools::tolerance(1e-3f));
  }
  BOOST_TEST(curve.reduction_db(-25.0f) == 0.0f);
  BOOST_TEST(curve.output_db(0.0f) == -15.0f, boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(level_detector)

// A steady sine reads its peak (and its RMS, peak - 3.01 dB) once the window
// spans half a period.
BOOST_AUTO_TEST_CASE(steady_sine_reads_its_peak_and_rms_within_0_02_db) {
  const auto tone = test::sine(kRate, 997.0, -12.0, 9600);
  std::vector<float> level(tone.size());
  for (auto mode : {dsp::DetectorMode::peak, dsp::DetectorMode::rms}) {
    dsp::LevelDetector detector;
    detector.prepare(kRate, 100.0);
    detector.set(mode, 20.0);
    detector.process(tone.data(), level.data(), int(tone.size()));
    const double expected = mode == dsp::DetectorMode::peak ? -12.0 : -12.0 - 3.0103;
    for (std::size_t i = 4800; i < level.size(); i += 97) {
      BOOST_TEST(std::fabs(test::linear_to_db(level[i]) - expected) < 0.02);
    }
  }
}

// Both modes equal a brute-force window over the same samples (peak exactly,
// RMS within 1e-6 relative), across blocks and across a change of window
// that must be filled from history, not from silence.
BOOST_AUTO_TEST_CASE(windows_equal_brute_force_across_a_window_change) {
  const auto noise = test::white_noise(20000, -10.0, 17);
  for (auto mode : {dsp::DetectorMode::peak, dsp::DetectorMode::rms}) {
    dsp::LevelDetector detector;
    detector.prepare(kRate, 100.0);
    std::vector<float> level(noise.size());
    int window = 0;
    double worst = 0.0;
    for (std::size_t done = 0; done < noise.size(); done += 1000) {
      const double window_ms = done < 10000 ? 3.0 : 7.5;
      detector.set(mode, window_ms);
      window = detector.window_frames();
      detector.process(noise.data() + done, level.data() + done, 1000);
      for (std::size_t i = done; i < done + 1000; ++i) {
        double peak = 0.0, sum = 0.0;
        for (std::size_t k = i + 1 > std::size_t(window) ? i + 1 - std::size_t(window) : 0; k <= i; ++k) {
          peak = std::max(peak, std::fabs(double(noise[k])));
          sum += double(noise[k]) * noise[k];
        }
        const double expected = mode == dsp::DetectorMode::peak ? peak : std::sqrt(sum / window);
        worst = std::max(worst, std::fabs(level[i] - expected) / expected);
      }
    }
    BOOST_TEST(window == 360);
    BOOST_TEST(worst <= (mode == dsp::DetectorMode::peak ? 0.0 : 1e-6));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(compressor)

// Must show: for steady sines from -60 to 0 dBFS the output level follows the
// gain computer (threshold, ratio, knee) within 0.1 dB, and the meter reads
// the same reduction.
BOOST_AUTO_TEST_CASE(static_curve_matches_gain_computer_within_0_1_db) {
  struct Curve { float threshold, ratio, knee; };
  double worst = 0.0;
  for (const Curve c : {Curve{-30, 4, 10}, Curve{-20, 100, 0}, Curve{-40, 2, 6}, Curve{-10, 8, 24}}) {
    for (double level = -60.0; level <= 0.0; level += 3.0) {
      BOOST_TEST_CONTEXT("threshold " << c.threshold << " ratio " << c.ratio << " knee " << c.knee
                                      << " level " << level) {
        auto runner = make_comp({{"threshold", c.threshold}, {"ratio", c.ratio}, {"knee", c.knee}});
        const auto tone = test::sine(kRate, 997.0, level, std::size_t(kRate));
        test::Planar audio{tone, tone};
        test::run_blocks(*runner, audio, 480);
        const std::size_t from = tone.size() - 9600;
        const double gain_db = test::linear_to_db(test::rms(audio[0], from) / test::rms(tone, from));
        const double expected = expected_output_db(level, c.threshold, c.ratio, c.knee) - level;
        BOOST_TEST(std::fabs(gain_db - expected) <= 0.1);
        const float meter = runner->stage().meter(dsp::Compressor::kGainReduction, -1);
        BOOST_TEST(std::fabs(-meter - expected) <= 0.1);
        worst = std::max(worst, std::fabs(gain_db - expected));
      }
    }
  }
  BOOST_TEST_MESSAGE("static curve: largest deviation " << worst << " dB (tolerance 0.1 dB)");
}

// Must show: attack and release, defined as the time to 63 % of a level step
// (documented in the parameter table), measured within 10 % — at the rate
// extremes too, since the time constants follow the sample rate.
BOOST_AUTO_TEST_CASE(attack_and_release_time_constants_within_10_percent) {
  struct Times { float attack_ms, release_ms; double rate; };
  for (const Times t : {Times{1, 50, kRate}, Times{10, 150, kRate}, Times{50, 1000, kRate},
                        Times{5, 100, 22050.0}, Times{5, 100, 192000.0}}) {
    BOOST_TEST_CONTEXT("attack " << t.attack_ms << " ms, release " << t.release_ms << " ms, rate " << t.rate) {
      const double rate = t.rate;
      // DC steps -40 -> -10 -> -40 dBFS; threshold -30, ratio infinite, hard
      // knee: the reduction steps 0 -> 20 -> 0 dB. Window 0: the detector
      // follows the level at once, so only the ballistics are measured.
      auto runner = make_comp({{"threshold", -30}, {"ratio", 100}, {"knee", 0}, {"attack", t.attack_ms},
                               {"release", t.release_ms}, {"window", 0}},
                              1, rate);
      const std::size_t step_up = std::size_t(rate * 0.1);
      const std::size_t step_down = step_up + std::size_t(rate * (0.5 + t.attack_ms * 1e-3));
      std::vector<float> in(step_down + std::size_t(rate * t.release_ms * 4e-3), float(test::db_to_linear(-40.0)));
      std::fill(in.begin() + long(step_up), in.begin() + long(step_down), float(test::db_to_linear(-10.0)));
      test::Planar audio{in};
      test::run_blocks(*runner, audio, 512);
      const double full = 20.0;
      const std::size_t attacked = first_frame(in, audio[0], step_up, [&](double r) { return r >= 0.632 * full; });
      const std::size_t released = first_frame(in, audio[0], step_down, [&](double r) { return r <= 0.368 * full; });
      const double attack_ms = double(attacked - step_up) / rate * 1e3;
      const double release_ms = double(released - step_down) / rate * 1e3;
      BOOST_TEST_MESSAGE("attack " << t.attack_ms << " ms measured " << attack_ms << " ms; release "
                                    << t.release_ms << " ms measured " << release_ms << " ms");
      BOOST_TEST(attack_ms == double(t.attack_ms), boost::test_tools::tolerance(0.10));
      BOOST_TEST(release_ms == double(t.release_ms), boost::test_tools::tolerance(0.10));
    }
  }
}

// The peak detector holds a peak for its window, then the release starts.
BOOST_AUTO_TEST_CASE(release_starts_after_the_peak_window_within_10_percent) {
  auto runner = make_comp({{"threshold", -30}, {"ratio", 100}, {"knee", 0}, {"attack", 1}, {"release", 100},
                           {"window", 20}},
                          1);
  const std::size_t step_down = 24000;
  std::vector<float> in(48000, float(test::db_to_linear(-40.0)));
  std::fill(in.begin(), in.begin() + long(step_down), float(test::db_to_linear(-10.0)));
  test::Planar audio{in};
  test::run_blocks(*runner, audio, 512);
  const std::size_t released = first_frame(in, audio[0], step_down, [](double r) { return r <= 0.368 * 20.0; });
  BOOST_TEST(double(released - step_down) / kRate * 1e3 == 20.0 + 100.0, boost::test_tools::tolerance(0.10));
}

// Program-dependent release: a short peak recovers at the release time, a
// sustained reduction at five times the release time (each within 10 %).
BOOST_AUTO_TEST_CASE(auto_release_is_slower_after_sustained_reduction_within_10_percent) {
  for (double burst_s : {0.02, 3.0}) {
    BOOST_TEST_CONTEXT("burst " << burst_s << " s") {
      auto runner = make_comp({{"threshold", -30}, {"ratio", 100}, {"knee", 0}, {"attack", 0.05f},
                               {"release", 100}, {"window", 0}, {"auto_release", 1}},
                              1);
      const std::size_t step_up = 4800, step_down = step_up + std::size_t(burst_s * kRate);
      std::vector<float> in(step_down + 48000 * 2, float(test::db_to_linear(-40.0)));
      std::fill(in.begin() + long(step_up), in.begin() + long(step_down), float(test::db_to_linear(-10.0)));
      test::Planar audio{in};
      test::run_blocks(*runner, audio, 512);
      const std::size_t released = first_frame(in, audio[0], step_down, [](double r) { return r <= 0.368 * 20.0; });
      const double release_ms = double(released - step_down) / kRate * 1e3;
      const double expected = burst_s < 0.1 ? 100.0 : 100.0 * dsp::GainSmoother::kAutoReleaseFactor;
      BOOST_TEST_MESSAGE("auto release after " << burst_s << " s: " << release_ms << " ms (expected " << expected << ")");
      BOOST_TEST(release_ms == expected, boost::test_tools::tolerance(0.10));
    }
  }
}

// Must show: below the threshold, with make-up 0, the output equals the input
// within 1e-6 — in every mode and detector.
BOOST_AUTO_TEST_CASE(below_threshold_output_equals_input_within_1e_6) {
  const auto left = test::white_noise(48000, -40.0, 3), right = test::white_noise(48000, -40.0, 4);
  for (const Settings& s : {Settings{}, Settings{{"detector", 1}}, Settings{{"mode", 1}},
                            Settings{{"mix", 37}, {"sidechain_hpf", 120}, {"link", 40}}}) {
    auto runner = make_comp(s);
    test::Planar audio{left, right};
    test::run_blocks(*runner, audio, 256);
    BOOST_TEST_MESSAGE("below threshold: largest |out - in| " << std::max(max_abs_difference(audio[0], left),
                                                                        max_abs_difference(audio[1], right)));
    BOOST_TEST(max_abs_difference(audio[0], left) <= 1e-6);
    BOOST_TEST(max_abs_difference(audio[1], right) <= 1e-6);
    BOOST_TEST(runner->stage().meter(dsp::Compressor::kGainReduction, -1) == 0.0f);
  }
}

// Must show: mid/side with identical channels leaves the side silent, even
// while the mid is compressed hard.
BOOST_AUTO_TEST_CASE(mid_side_with_identical_channels_leaves_side_silent) {
  const auto program = test::white_noise(48000, -8.0, 11);
  auto runner = make_comp({{"mode", 1}, {"threshold", -30}, {"ratio", 8}, {"link", 0}});
  test::Planar audio{program, program};
  test::run_blocks(*runner, audio, 333);
  double side_peak = 0.0;
  for (std::size_t i = 0; i < program.size(); ++i) {
    side_peak = std::max(side_peak, std::fabs(0.5 * (double(audio[0][i]) - double(audio[1][i]))));
  }
  BOOST_TEST_MESSAGE("mid/side: side peak " << side_peak);
  BOOST_TEST(side_peak == 0.0);
  BOOST_TEST(runner->stage().meter(dsp::Compressor::kGainReduction, 0) > 10.0f);  // mid compressed
  BOOST_TEST(runner->stage().meter(dsp::Compressor::kGainReduction, 1) == 0.0f);  // side untouched
}

// Must show: block size does not change a sample, with every feature engaged.
BOOST_AUTO_TEST_CASE(output_does_not_depend_on_block_size) {
  const auto left = test::white_noise(48000, -12.0, 5), right = test::white_noise(48000, -18.0, 6);
  const Settings s{{"threshold", -30}, {"ratio", 4}, {"auto_release", 1}, {"auto_makeup", 1},
                   {"detector", 1}, {"mode", 1}, {"sidechain_hpf", 150}, {"mix", 80},
                   {"lookahead", 5}, {"link", 60}};
  test::Planar reference{left, right};
  auto first = make_comp(s);
  test::run_blocks(*first, reference, 4096);
  for (int block : {1, 37, 480, 1000}) {
    BOOST_TEST_CONTEXT("block " << block) {
      auto runner = make_comp(s);
      test::Planar audio{left, right};
      test::run_blocks(*runner, audio, block);
      BOOST_TEST(max_abs_difference(audio[0], reference[0]) == 0.0);
      BOOST_TEST(max_abs_difference(audio[1], reference[1]) == 0.0);
    }
  }
}

// Lookahead delays the audio by exactly the latency it reports.
BOOST_AUTO_TEST_CASE(lookahead_is_reported_and_delays_audio_exactly) {
  auto runner = make_comp({{"lookahead", 5}}, 1);
  BOOST_TEST(runner->latency() == 240);
  std::vector<float> in(4800, 0.0f);
  in[100] = 0.01f;
  test::Planar audio{in};
  test::run_blocks(*runner, audio, 64);
  BOOST_TEST(audio[0][340] == 0.01f);
  BOOST_TEST(test::peak(audio[0]) == double(0.01f));
}

// Stereo link: fully linked, the quiet channel gets the loud one's reduction
// (within 0.01 dB); unlinked, it is left alone (within 1e-6).
BOOST_AUTO_TEST_CASE(stereo_link_shares_the_reduction) {
  const auto loud = test::sine(kRate, 997.0, -6.0, 48000), quiet = test::sine(kRate, 1499.0, -40.0, 48000);
  for (float link : {0.0f, 100.0f}) {
    auto runner = make_comp({{"threshold", -20}, {"ratio", 4}, {"knee", 0}, {"link", link}});
    test::Planar audio{loud, quiet};
    test::run_blocks(*runner, audio, 512);
    const std::size_t from = 24000;
    const double loud_gain = test::linear_to_db(test::rms(audio[0], from) / test::rms(loud, from));
    const double quiet_gain = test::linear_to_db(test::rms(audio[1], from) / test::rms(quiet, from));
    BOOST_TEST(loud_gain == -10.5, boost::test_tools::tolerance(0.1 / 10.5));
    if (link == 0.0f) {
      BOOST_TEST(max_abs_difference(audio[1], quiet) <= 1e-6);
    } else {
      BOOST_TEST(std::fabs(quiet_gain - loud_gain) <= 0.01);
    }
  }
}

// The sidechain high-pass keeps a loud 40 Hz tone from driving the detector:
// 200 Hz, 12 dB/octave, takes it 28 dB down, below the threshold.
BOOST_AUTO_TEST_CASE(sidechain_high_pass_ignores_low_bass) {
  const auto bass = test::sine(kRate, 40.0, -6.0, 48000);
  for (float cutoff : {0.0f, 200.0f}) {
    auto runner = make_comp({{"threshold", -24}, {"ratio", 4}, {"knee", 0}, {"window", 30},
                             {"sidechain_hpf", cutoff}},
                            1);
    test::Planar audio{bass};
    test::run_blocks(*runner, audio, 512);
    const float reduction = runner->stage().meter(dsp::Compressor::kGainReduction, -1);
    if (cutoff == 0.0f) {
      BOOST_TEST(reduction == 13.5f, boost::test_tools::tolerance(0.1f / 13.5f));
    } else {
      BOOST_TEST(reduction == 0.0f);
    }
  }
}

// Auto make-up restores a 0 dBFS level (Giannoulis et al., section 2.5), and
// the dry/wet mix adds dry and compressed linearly.
BOOST_AUTO_TEST_CASE(auto_makeup_and_mix_give_their_gains_within_0_01_db) {
  const auto tone = test::sine(kRate, 997.0, 0.0, 48000);
  const double rms_in = test::rms(tone, 24000);
  {
    auto runner = make_comp({{"threshold", -20}, {"ratio", 4}, {"knee", 0}, {"auto_makeup", 1}}, 1);
    test::Planar audio{tone};
    test::run_blocks(*runner, audio, 512);
    BOOST_TEST(std::fabs(test::linear_to_db(test::rms(audio[0], 24000) / rms_in)) <= 0.01);
  }
  {
    auto runner = make_comp({{"threshold", -20}, {"ratio", 4}, {"knee", 0}, {"mix", 50}}, 1);
    test::Planar audio{tone};
    test::run_blocks(*runner, audio, 512);
    const double expected = test::linear_to_db(0.5 + 0.5 * test::db_to_linear(-15.0));
    BOOST_TEST(std::fabs(test::linear_to_db(test::rms(audio[0], 24000) / rms_in) - expected) <= 0.01);
  }
}

BOOST_AUTO_TEST_SUITE_END()
