// The multiband compressor (`mbcomp`) and its crossovers: flat sums when not
// compressing (allpass for IIR, pure delay for linear phase), compression
// kept inside its band, solo, bypass, mid/side and block-size invariance.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/crossover.hpp>
#include <lacquer/dsp/fft.hpp>
#include <lacquer/dsp/linear_phase_crossover.hpp>
#include <lacquer/dsp/multiband_compressor.hpp>

#include "../common/run_stage.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <numbers>
#include <string>

using namespace lacquer;
using MB = dsp::MultibandCompressor;

namespace {

constexpr double kRate = 48000.0;

// Top-level settings by symbol, band settings as "bandN_symbol" (1-based).
using Settings = std::map<std::string, float>;

std::unique_ptr<dsp::StageRunner> make_mbcomp(const Settings& settings, int channels = 2, double rate = kRate) {
  auto runner = test::make_runner("mbcomp", rate, channels);
  dsp::Stage& stage = runner->stage();
  for (const auto& [symbol, value] : settings) {
    int index = -1;
    if (symbol.rfind("band", 0) == 0 && symbol.size() > 6 && symbol[5] == '_') {
      index = test::param_index(stage, symbol.substr(6), symbol[4] - '1');
    } else {
      index = test::param_index(stage, symbol);
    }
    stage.set(index, value);
  }
  runner->reset();
  return runner;
}

// No band compresses: every threshold at 0 dBFS, hard knee.
Settings uncompressed(Settings s) {
  for (int b = 1; b <= MB::kMaxBands; ++b) {
    s["band" + std::to_string(b) + "_threshold"] = 0.0f;
    s["band" + std::to_string(b) + "_knee"] = 0.0f;
  }
  return s;
}

// Magnitude (dB) of the impulse response at every FFT bin in [lo, hi] Hz;
// returns the largest deviation from 0 dB.
double worst_deviation_db(const std::vector<float>& impulse_response, double rate, double lo, double hi) {
  const int size = int(impulse_response.size());
  dsp::RealFft fft(size);
  dsp::FftBuffer<float> time{std::size_t(size)};
  dsp::FftBuffer<std::complex<float>> spectrum{std::size_t(fft.bins())};
  std::copy(impulse_response.begin(), impulse_response.end(), time.data());
  fft.forward(time.data(), spectrum.data());
  double worst = 0.0;
  for (int k = 1; k < fft.bins(); ++k) {
    const double f = k * rate / size;
    if (f < lo || f > hi) continue;
    const double db = test::linear_to_db(std::abs(spectrum[std::size_t(k)]));
    if (std::fabs(db) > std::fabs(worst)) worst = db;
  }
  return worst;
}

// Level (dB re full-scale sine) of the component at `freq`, by correlation
// over a whole number of its periods at the end of the signal.
double tone_level_db(const std::vector<float>& x, double rate, double freq) {
  const std::size_t period_frames = std::size_t(rate / freq);
  const std::size_t n = (x.size() / 2 / period_frames) * period_frames;
  std::complex<double> acc;
  for (std::size_t i = x.size() - n; i < x.size(); ++i) {
    acc += double(x[i]) * std::polar(1.0, -2.0 * std::numbers::pi * freq * double(i) / rate);
  }
  return test::linear_to_db(2.0 * std::abs(acc) / double(n));
}

double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crossover)

// The LR4 building block: both sides -6.02 dB at the split (in phase, so they
// add to 0 dB), and the network of any band count sums flat.
BOOST_AUTO_TEST_CASE(linkwitz_riley_sides_are_minus_6_db_at_the_split) {
  const double w = 2.0 * std::numbers::pi * 1000.0 / kRate;
  const auto lp = dsp::LinkwitzRiley4::butterworth_lowpass(1000.0, kRate);
  const auto hp = dsp::LinkwitzRiley4::butterworth_highpass(1000.0, kRate);
  BOOST_TEST(test::linear_to_db(std::norm(lp.response(w))) == -6.0206, boost::test_tools::tolerance(1e-4));
  BOOST_TEST(test::linear_to_db(std::norm(hp.response(w))) == -6.0206, boost::test_tools::tolerance(1e-4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(multiband_compressor)

// Must show: not compressing, IIR mode is flat within ±0.01 dB from 10 Hz to
// 20 kHz, for every band count and at the rate extremes, splits down to 20 Hz.
BOOST_AUTO_TEST_CASE(iir_bands_sum_flat_within_0_01_db_10_hz_to_20_khz) {
  for (double rate : {44100.0, 48000.0, 192000.0}) {
    for (int bands = 2; bands <= 5; ++bands) {
      BOOST_TEST_CONTEXT("rate " << rate << ", " << bands << " bands") {
        auto runner = make_mbcomp(uncompressed({{"bands", float(bands)}, {"split1", 20}, {"split2", 300},
                                                {"split3", 3000}, {"split4", 16000}}),
                                  1, rate);
        std::vector<float> impulse(std::size_t(1) << (rate > 100000.0 ? 17 : 16), 0.0f);
        impulse[0] = 0.5f;
        test::Planar audio{impulse};
        test::run_blocks(*runner, audio, 4096);
        for (float& x : audio[0]) x *= 2.0f;
        const double worst = worst_deviation_db(audio[0], rate, 10.0, 20000.0);
        BOOST_TEST_MESSAGE("iir sum, rate " << rate << ", " << bands << " bands: worst " << worst << " dB");
        BOOST_TEST(std::fabs(worst) <= 0.01);
      }
    }
  }
}

// Must show: not compressing, linear mode is a pure delay of the reported
// latency: the null against the delayed input is at or below -100 dB.
BOOST_AUTO_TEST_CASE(linear_bands_null_against_delayed_input_below_minus_100_db) {
  for (int bands = 2; bands <= 5; ++bands) {
    BOOST_TEST_CONTEXT(bands << " bands") {
      auto runner = make_mbcomp(uncompressed({{"bands", float(bands)}, {"crossover", 1}}));
      const int latency = runner->latency();
      BOOST_TEST(latency == 2047 + 256);
      const auto left = test::white_noise(48000, -20.0, 21), right = test::white_noise(48000, -26.0, 22);
      test::Planar audio{left, right};
      test::run_blocks(*runner, audio, 1000);
      for (std::size_t c = 0; c < 2; ++c) {
        const auto& in = c == 0 ? left : right;
        std::vector<float> residual;
        for (std::size_t i = std::size_t(latency); i < in.size(); ++i) residual.push_back(audio[c][i] - in[i - std::size_t(latency)]);
        const double null_db = test::linear_to_db(test::rms(residual) / test::rms(in));
        BOOST_TEST_MESSAGE("linear null, " << bands << " bands: " << null_db << " dB");
        BOOST_TEST(null_db <= -100.0);
      }
    }
  }
}

// The linear-phase FIR keeps about 85 ms at every rate (partition 256 frames
// per 48 kHz, rounded), and still nulls to -100 dB or better.
BOOST_AUTO_TEST_CASE(linear_bands_null_at_other_rates) {
  struct Case { double rate; int latency; };
  for (const Case c : {Case{44100.0, 2047 + 256}, Case{96000.0, 4095 + 512}, Case{192000.0, 8191 + 1024}}) {
    BOOST_TEST_CONTEXT("rate " << c.rate) {
      auto runner = make_mbcomp(uncompressed({{"bands", 3}, {"crossover", 1}}), 1, c.rate);
      BOOST_TEST(runner->latency() == c.latency);
      const auto in = test::white_noise(std::size_t(c.rate * 0.5), -20.0, 23);
      test::Planar audio{in};
      test::run_blocks(*runner, audio, 1024);
      std::vector<float> residual;
      for (std::size_t i = std::size_t(c.latency); i < in.size(); ++i) residual.push_back(audio[0][i] - in[i - std::size_t(c.latency)]);
      const double null_db = test::linear_to_db(test::rms(residual) / test::rms(in));
      BOOST_TEST_MESSAGE("linear null at " << c.rate << " Hz: " << null_db << " dB");
      BOOST_TEST(null_db <= -100.0);
    }
  }
}

// Compression stays in its band: a loud 40 Hz tone is compressed in band 1
// while a quiet 2.5 kHz tone (band 3) keeps its level within 0.05 dB.
BOOST_AUTO_TEST_CASE(compression_stays_inside_its_band) {
  for (float type : {0.0f, 1.0f}) {
    BOOST_TEST_CONTEXT("crossover " << type) {
      auto runner = make_mbcomp({{"crossover", type}, {"band1_threshold", -30}, {"band1_ratio", 4},
                                 {"band1_window", 30}, {"band3_threshold", -30}},
                                1);
      auto in = test::sine(kRate, 40.0, -6.0, 96000);
      const auto high = test::sine(kRate, 2500.0, -40.0, 96000);
      for (std::size_t i = 0; i < in.size(); ++i) in[i] += high[i];
      test::Planar audio{in};
      test::run_blocks(*runner, audio, 512);
      const dsp::Stage& stage = runner->stage();
      BOOST_TEST(stage.meter(MB::band_param(0, MB::kGainReduction), -1) > 10.0f);
      BOOST_TEST(stage.meter(MB::band_param(2, MB::kGainReduction), -1) == 0.0f);
      BOOST_TEST(std::fabs(tone_level_db(audio[0], kRate, 2500.0) + 40.0) <= 0.05);
      BOOST_TEST(tone_level_db(audio[0], kRate, 40.0) < -6.0 - 10.0);
    }
  }
}

// Bypassing a band that would compress hard gives the uncompressed output
// (within 1e-6); soloing band 2 (120 Hz - 1 kHz) leaves exactly that band:
// tones at 40 and 400 Hz come out at the band's LR4 magnitude, |HP_120|·|LP_1000|
// with |LP| = 1 / (1 + r^4) and |HP| = r^4 / (1 + r^4), within 0.05 dB.
BOOST_AUTO_TEST_CASE(band_bypass_and_solo) {
  auto in = test::sine(kRate, 40.0, -6.0, 48000);
  const auto mid = test::sine(kRate, 400.0, -20.0, 48000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] += mid[i];

  test::Planar reference{in};
  test::run_blocks(*make_mbcomp(uncompressed({}), 1), reference, 512);
  test::Planar bypassed{in};
  auto bypass_runner = make_mbcomp({{"band1_threshold", -40}, {"band1_ratio", 10}, {"band1_bypass", 1},
                                    {"band2_threshold", 0}, {"band3_threshold", 0}, {"band4_threshold", 0}},
                                   1);
  test::run_blocks(*bypass_runner, bypassed, 512);
  BOOST_TEST(max_abs_difference(bypassed[0], reference[0]) <= 1e-6);

  // Linear phase: band 2 is LP_1000 - LP_120 in zero phase, the same
  // magnitudes as the IIR band's at these frequencies.
  for (float type : {0.0f, 1.0f}) {
    BOOST_TEST_CONTEXT("crossover " << type) {
      test::Planar soloed{in};
      test::run_blocks(*make_mbcomp(uncompressed({{"band2_solo", 1}, {"crossover", type}}), 1), soloed, 512);
      const auto band2_db = [](double f) {
        const double below = std::pow(f / 120.0, 4.0), above = std::pow(f / 1000.0, 4.0);
        return test::linear_to_db(below / (1.0 + below) / (1.0 + above));
      };
      BOOST_TEST_MESSAGE("solo band 2: 40 Hz " << tone_level_db(soloed[0], kRate, 40.0) + 6.0 << " dB, expected "
                                               << band2_db(40.0) << "; 400 Hz "
                                               << tone_level_db(soloed[0], kRate, 400.0) + 20.0 << " dB, expected "
                                               << band2_db(400.0));
      BOOST_TEST(std::fabs(tone_level_db(soloed[0], kRate, 40.0) - (-6.0 + band2_db(40.0))) <= 0.05);
      BOOST_TEST(std::fabs(tone_level_db(soloed[0], kRate, 400.0) - (-20.0 + band2_db(400.0))) <= 0.05);
    }
  }
}

// Moving a split frequency while playing does not click, in either crossover:
// band 1 soloed on a 1 kHz sine while split 1 moves from 2 kHz to 500 Hz
// (the band's level falls by ~12 dB). No sample step may exceed the largest
// step of the sine itself (2π·f/fs·A) by more than 10 %.
BOOST_AUTO_TEST_CASE(moving_a_split_does_not_click) {
  const double amplitude = test::db_to_linear(-6.0);
  const auto tone = test::sine(kRate, 1000.0, -6.0, 48000);
  const double sine_step = 2.0 * std::numbers::pi * 1000.0 / kRate * amplitude;
  for (float type : {0.0f, 1.0f}) {
    BOOST_TEST_CONTEXT("crossover " << type) {
      auto runner = make_mbcomp(uncompressed({{"crossover", type}, {"bands", 2}, {"split1", 2000}, {"band1_solo", 1}}), 1);
      test::Planar audio{tone};
      std::vector<float*> ptr{audio[0].data()};
      double worst = 0.0;
      for (std::size_t done = 0; done < tone.size(); done += 480) {
        if (done == 24000) runner->stage().set(MB::kSplit1, 500.0f);
        ptr[0] = audio[0].data() + done;
        runner->process(ptr.data(), 480);
      }
      for (std::size_t i = 12000; i < tone.size(); ++i) {
        worst = std::max(worst, std::fabs(double(audio[0][i]) - double(audio[0][i - 1])));
      }
      const double late = test::rms(audio[0], 40000), early = test::rms(audio[0], 12000, 20000);
      BOOST_TEST_MESSAGE("split move, crossover " << type << ": largest step " << worst / sine_step
                                                  << " of the sine's, level change " << test::linear_to_db(late / early) << " dB");
      BOOST_TEST(test::linear_to_db(late / early) < -6.0);  // the move did take effect
      BOOST_TEST(worst <= 1.1 * sine_step);
    }
  }
}

// Must show: mid/side with identical channels leaves the side silent.
BOOST_AUTO_TEST_CASE(mid_side_with_identical_channels_leaves_side_silent) {
  const auto program = test::white_noise(48000, -10.0, 31);
  for (float type : {0.0f, 1.0f}) {
    auto runner = make_mbcomp({{"crossover", type}, {"mode", 1}, {"band1_threshold", -40}, {"band2_threshold", -40},
                               {"band2_link", 0}});
    test::Planar audio{program, program};
    test::run_blocks(*runner, audio, 500);
    double side_peak = 0.0;
    for (std::size_t i = 0; i < program.size(); ++i) {
      side_peak = std::max(side_peak, std::fabs(0.5 * (double(audio[0][i]) - double(audio[1][i]))));
    }
    BOOST_TEST_MESSAGE("mid/side crossover " << type << ": side peak " << side_peak);
    BOOST_TEST(side_peak == 0.0);
    BOOST_TEST(runner->stage().meter(MB::band_param(1, MB::kGainReduction), -1) > 3.0f);
  }
}

// Must show: block size does not change a sample, in either crossover type,
// with compression, lookahead, solo and auto release engaged.
BOOST_AUTO_TEST_CASE(output_does_not_depend_on_block_size) {
  const auto left = test::white_noise(24000, -12.0, 41), right = test::white_noise(24000, -15.0, 42);
  for (float type : {0.0f, 1.0f}) {
    BOOST_TEST_CONTEXT("crossover " << type) {
      const Settings s{{"crossover", type}, {"bands", 5}, {"lookahead", 3}, {"band1_threshold", -30},
                       {"band2_threshold", -35}, {"band2_auto_release", 1}, {"band3_detector", 1},
                       {"band4_mix", 50}, {"band5_solo", 1}, {"band4_solo", 1}};
      test::Planar reference{left, right};
      test::run_blocks(*make_mbcomp(s), reference, 4096);
      for (int block : {1, 100, 257, 1024}) {
        BOOST_TEST_CONTEXT("block " << block) {
          test::Planar audio{left, right};
          test::run_blocks(*make_mbcomp(s), audio, block);
          BOOST_TEST(max_abs_difference(audio[0], reference[0]) == 0.0);
          BOOST_TEST(max_abs_difference(audio[1], reference[1]) == 0.0);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
