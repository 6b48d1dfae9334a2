// The loudness meter's arithmetic, independent of any face. The EBU Tech 3341
// and 3342 cases themselves run through the element and the LV2 plugin in
// tests/conformance.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/loudness_meter.hpp>

#include "../common/run_stage.hpp"
#include "../common/true_peak16.hpp"

#include <cmath>
#include <utility>

using namespace lacquer;

namespace {

dsp::LoudnessMeter& meter_of(dsp::StageRunner& runner) {
  return static_cast<dsp::LoudnessMeter&>(runner.stage());
}

// The meter's true peak against the 16x reference meter, which shares no code
// with it, after `audio` in blocks of `block` frames. The detector's design
// promise is 0.05 dB up to 0.47 fs, the reference's own error 0.034 dB at
// 0.45 fs.
constexpr double kTruePeakToleranceDb = 0.05;

double true_peak_error_db(const test::Planar& audio, double rate, int block) {
  auto runner = test::make_runner("loudness", rate, int(audio.size()));
  test::Planar copy = audio;
  test::run_blocks(*runner, copy, block);
  return meter_of(*runner).true_peak_db(-1) - test::TruePeak16().peak_db(audio);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loudness_meter)

// Tech 3341 case 1 at every rate the meter supports: a -23 dBFS 1 kHz stereo
// sine reads -23.0 LUFS (±0.1 LU, the standard's tolerance).
BOOST_AUTO_TEST_CASE(minus23_dbfs_sine_reads_minus23_lufs_at_every_rate) {
  for (double rate : {8000.0, 22050.0, 44100.0, 48000.0, 96000.0, 192000.0}) {
    BOOST_TEST_CONTEXT("rate " << rate) {
      auto runner = test::make_runner("loudness", rate, 2);
      test::Planar audio(2, test::sine(rate, 1000.0, -23.0, std::size_t(rate * 20)));
      test::run_blocks(*runner, audio, 1000);
      auto& m = meter_of(*runner);
      BOOST_TEST(m.integrated() == -23.0, boost::test_tools::tolerance(0.1 / 23.0));
      BOOST_TEST(m.momentary() == -23.0, boost::test_tools::tolerance(0.1 / 23.0));
      BOOST_TEST(m.short_term() == -23.0, boost::test_tools::tolerance(0.1 / 23.0));
      BOOST_TEST(std::fabs(m.sample_peak_db(-1) + 23.0) < 0.01);
    }
  }
}

// Block size must not change a single reading.
BOOST_AUTO_TEST_CASE(readings_do_not_depend_on_block_size) {
  const auto program = test::white_noise(48000 * 8, -25.0, 7);
  double reference = 0.0;
  for (int block : {1, 37, 512, 4096, 8192}) {
    auto runner = test::make_runner("loudness", 48000.0, 2, 4096);
    test::Planar audio{program, program};
    test::run_blocks(*runner, audio, block);
    const double integrated = meter_of(*runner).integrated();
    if (block == 1) reference = integrated;
    BOOST_TEST(integrated == reference, boost::test_tools::tolerance(1e-9));
  }
}

// Silence is explicitly -inf, never a made-up number.
BOOST_AUTO_TEST_CASE(silence_reads_minus_infinity) {
  auto runner = test::make_runner("loudness", 48000.0, 2);
  test::Planar audio(2, std::vector<float>(48000 * 4, 0.0f));
  test::run_blocks(*runner, audio, 480);
  auto& m = meter_of(*runner);
  BOOST_TEST(std::isinf(m.integrated()));
  BOOST_TEST(std::isinf(m.momentary()));
  BOOST_TEST(std::isinf(m.true_peak_db(-1)));
  BOOST_TEST(m.loudness_range() == 0.0);
}

// The reset trigger restarts integration without re-creating anything: a loud
// minute followed by a reset and a quiet passage reads the quiet level only.
BOOST_AUTO_TEST_CASE(reset_trigger_restarts_integration) {
  auto runner = test::make_runner("loudness", 48000.0, 2);
  test::Planar loud(2, test::sine(48000.0, 1000.0, -10.0, 48000 * 10));
  test::run_blocks(*runner, loud, 1024);
  runner->stage().set(dsp::LoudnessMeter::kReset, 1.0f);
  test::Planar quiet(2, test::sine(48000.0, 1000.0, -30.0, 48000 * 10));
  test::run_blocks(*runner, quiet, 1024);
  auto& m = meter_of(*runner);
  BOOST_TEST(m.integrated() == -30.0, boost::test_tools::tolerance(0.1 / 30.0));
  BOOST_TEST(m.sample_peak_db(-1) == -30.0, boost::test_tools::tolerance(0.01 / 30.0));
}

// BS.1770 channel weights: surrounds count +1.5 dB, the LFE not at all.
BOOST_AUTO_TEST_CASE(surround_weights_follow_bs1770) {
  const double rate = 48000.0;
  auto runner = test::make_runner("loudness", rate, 6);  // L R C LFE Ls Rs
  const auto tone = test::sine(rate, 1000.0, -30.0, std::size_t(rate * 10));
  test::Planar audio(6, std::vector<float>(tone.size(), 0.0f));
  audio[3] = test::sine(rate, 1000.0, -3.0, tone.size());  // LFE: ignored
  audio[4] = tone;                                          // Ls: +1.5 dB
  test::run_blocks(*runner, audio, 2048);
  // A -30 dBFS sine alone on a weight-1 channel reads -33.0 LUFS (-3.01 dB for
  // the sine's mean square, +0.691 - 0.691 of the K-filter at 1 kHz).
  BOOST_TEST(meter_of(*runner).integrated() == -33.0 + 1.5, boost::test_tools::tolerance(0.1 / 31.5));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(loudness_meter_true_peak)

// Content BS.1770's 4x interpolator (libebur128's) reads 0.3 to 0.65 dB low:
// white noise, and a 0.4 fs sine whose peaks fall between the 4x points.
BOOST_AUTO_TEST_CASE(true_peak_reads_within_0_05_db_of_a_16x_meter_on_noise_and_near_nyquist) {
  for (double rate : {44100.0, 48000.0}) {
    const auto frames = std::size_t(rate * 2);
    const std::pair<const char*, test::Planar> signals[] = {
        {"white noise", {test::white_noise(frames, -12.0, 1), test::white_noise(frames, -12.0, 101)}},
        {"0.4 fs sine", test::Planar(2, test::sine(rate, 0.4 * rate, -6.0, frames))},
    };
    for (const auto& [name, audio] : signals) {
      BOOST_TEST_CONTEXT(name << " at " << rate << " Hz") {
        BOOST_TEST(std::fabs(true_peak_error_db(audio, rate, 1000)) <= kTruePeakToleranceDb);
      }
    }
  }
}

// The reading counts the last samples of the stream and the ringing after an
// abrupt end, as if silence followed: a 0.45 fs burst in the last 5 samples,
// whose largest sample is 1.5 dB under its true peak, and a 0.25 fs one in the
// last 20, in blocks that end anywhere.
BOOST_AUTO_TEST_CASE(true_peak_counts_a_burst_in_the_last_samples_within_0_05_db) {
  constexpr double rate = 48000.0;
  for (const auto& [fraction, length] : {std::pair{0.45, 5}, std::pair{0.25, 20}}) {
    std::vector<float> x(std::size_t(rate), 0.0f);
    const auto burst = test::sine(rate, fraction * rate, -1.0, x.size(), 0.785);
    std::copy(burst.end() - length, burst.end(), x.end() - length);
    for (int block : {1, 64, 1000}) {
      BOOST_TEST_CONTEXT(fraction << " fs, last " << length << " samples, blocks of " << block) {
        BOOST_TEST(std::fabs(true_peak_error_db({x}, rate, block)) <= kTruePeakToleranceDb);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
