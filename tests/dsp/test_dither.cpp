// Dither and word length (issue 7): the grid, the absence of distortion with
// TPDF, the TPDF noise power, the noise-shaping curves and auto-blank.
//
// Spectra are Welch averages (Hann window, 50 % overlap) of the output or of
// the total error y - x, in power per bin normalised so that the bins of a
// one-sided spectrum sum to the mean square.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/dither.hpp>
#include <lacquer/dsp/fft.hpp>

#include "../common/run_stage.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

using namespace lacquer;
using dsp::Dither;
using dsp::DitherType;
using dsp::NoiseShapingCurve;

namespace {

struct Settings {
  double rate = 48000.0;
  int bits = 16;
  DitherType type = DitherType::tpdf;
  NoiseShapingCurve curve = NoiseShapingCurve::gentle;
  bool auto_blank = true;
  int seed = 1;
  int channels = 1;
};

std::unique_ptr<dsp::StageRunner> make_dither(const Settings& s) {
  auto runner = test::make_runner("dither", s.rate, s.channels);
  dsp::Stage& stage = runner->stage();
  stage.set(Dither::kBits, float(s.bits));
  stage.set(Dither::kType, float(int(s.type)));
  stage.set(Dither::kShape, float(int(s.curve)));
  stage.set(Dither::kAutoBlank, s.auto_blank ? 1.0f : 0.0f);
  stage.set(Dither::kSeed, float(s.seed));
  runner->reset();  // takes the seed
  return runner;
}

// One channel through the stage.
std::vector<float> quantise(const Settings& s, std::vector<float> mono, int block = 4096) {
  auto runner = make_dither(s);
  test::Planar audio{std::move(mono)};
  test::run_blocks(*runner, audio, block);
  return audio.front();
}

std::vector<double> error_of(const std::vector<float>& out, const std::vector<float>& in) {
  std::vector<double> e(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) e[i] = double(out[i]) - double(in[i]);
  return e;
}

double mean_square(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x) sum += v * v;
  return sum / double(x.size());
}

double db(double power) { return 10.0 * std::log10(std::max(power, 1e-300)); }

// Q^2 of the grid: the LSB is 2^-(bits-1) of full scale.
double lsb_power(int bits) { return std::ldexp(1.0, -2 * (bits - 1)); }

// One-sided Welch power spectrum, bins 0..n/2.
std::vector<double> welch(const std::vector<double>& x, int n) {
  dsp::RealFft fft(n);
  dsp::FftBuffer<float> frame(static_cast<std::size_t>(n));
  dsp::FftBuffer<std::complex<float>> spectrum(static_cast<std::size_t>(fft.bins()));
  std::vector<double> window(static_cast<std::size_t>(n));
  double window_power = 0.0;
  for (int i = 0; i < n; ++i) {
    window[std::size_t(i)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n);
    window_power += window[std::size_t(i)] * window[std::size_t(i)];
  }
  std::vector<double> psd(std::size_t(fft.bins()), 0.0);
  int segments = 0;
  for (std::size_t start = 0; start + std::size_t(n) <= x.size(); start += std::size_t(n / 2)) {
    for (int i = 0; i < n; ++i) {
      frame[std::size_t(i)] = float(x[start + std::size_t(i)] * window[std::size_t(i)]);
    }
    fft.forward(frame.data(), spectrum.data());
    for (std::size_t k = 0; k < psd.size(); ++k) psd[k] += std::norm(spectrum[k]);
    ++segments;
  }
  // Parseval: two-sided bins sum to the mean square after / (n * sum w^2).
  for (std::size_t k = 0; k < psd.size(); ++k) {
    const bool edge = k == 0 || k + 1 == psd.size();
    psd[k] *= (edge ? 1.0 : 2.0) / (double(n) * window_power * segments);
  }
  return psd;
}

std::vector<double> to_double(const std::vector<float>& x) { return {x.begin(), x.end()}; }

double bin_hz(double rate, int n) { return rate / n; }

// Power in [low_hz, high_hz).
double band_power(const std::vector<double>& psd, double rate, int n, double low_hz,
                  double high_hz) {
  double sum = 0.0;
  for (std::size_t k = 0; k < psd.size(); ++k) {
    const double f = double(k) * bin_hz(rate, n);
    if (f >= low_hz && f < high_hz) sum += psd[k];
  }
  return sum;
}

// A harmonic's level and the local floor around it, per bin.
struct Harmonic {
  double peak;   // highest bin within +-2 bins of the harmonic
  double floor;  // mean of the bins 6..40 bins away on either side
};

Harmonic harmonic(const std::vector<double>& psd, double freq, double rate, int n) {
  const auto centre = long(std::lround(freq / bin_hz(rate, n)));
  Harmonic h{0.0, 0.0};
  for (long k = centre - 2; k <= centre + 2; ++k) h.peak = std::max(h.peak, psd[std::size_t(k)]);
  int count = 0;
  for (long d = 6; d <= 40; ++d) {
    h.floor += psd[std::size_t(centre - d)] + psd[std::size_t(centre + d)];
    count += 2;
  }
  h.floor /= count;
  return h;
}

constexpr int kFft = 8192;
// 100 Welch segments: each bin's estimate has a spread of about 0.4 dB.
constexpr std::size_t kLong = std::size_t(kFft) * 101 / 2;

}  // namespace

BOOST_AUTO_TEST_SUITE(dither)

// Every output sample is k / 2^(bits-1) with k a (bits)-bit integer, for every
// type and word length, also for input beyond full scale.
BOOST_AUTO_TEST_CASE(output_lies_exactly_on_the_bit_grid) {
  auto input = test::sine(48000.0, 997.0, -1.0, 48000);
  test::append(input, test::white_noise(24000, -3.0, 5));  // clips now and then
  for (int bits : {8, 12, 16, 20, 24}) {
    for (DitherType type :
         {DitherType::none, DitherType::rectangular, DitherType::tpdf, DitherType::shaped}) {
      BOOST_TEST_CONTEXT("bits " << bits << ", type " << int(type)) {
        const auto out =
            quantise({.bits = bits, .type = type, .curve = NoiseShapingCurve::aggressive}, input);
        const double scale = std::ldexp(1.0, bits - 1);
        long off_grid = 0;
        long out_of_range = 0;
        for (float y : out) {
          const double k = double(y) * scale;
          if (k != std::floor(k)) ++off_grid;
          if (k < -scale || k > scale - 1.0) ++out_of_range;
        }
        BOOST_TEST(off_grid == 0);
        BOOST_TEST(out_of_range == 0);
      }
    }
  }
}

// Input beyond full scale sticks to the grid's ends: a wrap would flip the sign.
BOOST_AUTO_TEST_CASE(overload_saturates_and_never_wraps) {
  const double rate = 48000.0;
  auto input = test::sine(rate, 50.0, 6.0, 48000);  // +6 dBFS: clips half the time
  const auto out = quantise({.rate = rate,
                             .bits = 16,
                             .type = DitherType::shaped,
                             .curve = NoiseShapingCurve::aggressive},
                            input);
  const float highest = float(32767.0 / 32768.0);
  long sign_flips = 0;
  long clipped_high = 0;
  long clipped_low = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (std::fabs(input[i]) > 0.5f && (input[i] > 0.0f) != (out[i] > 0.0f)) ++sign_flips;
    if (input[i] >= 1.0f) clipped_high += out[i] == highest;
    if (input[i] <= -1.0f) clipped_low += out[i] == -1.0f;
  }
  const long over_high =
      std::count_if(input.begin(), input.end(), [](float x) { return x >= 1.0f; });
  const long over_low =
      std::count_if(input.begin(), input.end(), [](float x) { return x <= -1.0f; });
  BOOST_TEST(sign_flips == 0);
  BOOST_TEST(clipped_high == over_high);
  BOOST_TEST(clipped_low == over_low);
  // After the overload the error feedback is back to its normal small error.
  auto quiet = test::sine(rate, 1000.0, -20.0, 48000);
  auto loud_then_quiet = input;
  test::append(loud_then_quiet, quiet);
  const auto out2 = quantise({.rate = rate,
                              .bits = 16,
                              .type = DitherType::shaped,
                              .curve = NoiseShapingCurve::aggressive},
                             loud_then_quiet);
  const std::vector<float> tail_in(loud_then_quiet.begin() + 48000 + 4800, loud_then_quiet.end());
  const std::vector<float> tail_out(out2.begin() + 48000 + 4800, out2.end());
  const double expected =
      lsb_power(16) / 4.0 *
      dsp::noise_power_gain(dsp::noise_shaping_taps(NoiseShapingCurve::aggressive, rate));
  BOOST_TEST(std::fabs(db(mean_square(error_of(tail_out, tail_in))) - db(expected)) < 0.5);
}

// A -100 dBFS 1 kHz sine (a third of an LSB) to 16 bits. With TPDF the tone
// survives at its level and no harmonic rises more than 3 dB above the local
// noise floor. Without dither the same tone vanishes altogether (digital
// silence: rounding is a deterministic function of the signal), and a -90 dBFS
// tone, one LSB, comes out with its harmonics plainly visible.
BOOST_AUTO_TEST_CASE(tpdf_leaves_no_harmonics_above_the_noise_floor_rounding_does) {
  const double rate = 48000.0;
  for (double level : {-100.0, -90.0}) {
    BOOST_TEST_CONTEXT("sine at " << level << " dBFS") {
      const auto input = test::sine(rate, 1000.0, level, kLong);

      const auto dithered = quantise({.rate = rate, .bits = 16, .type = DitherType::tpdf}, input);
      const auto psd = welch(to_double(dithered), kFft);
      const Harmonic fundamental = harmonic(psd, 1000.0, rate, kFft);
      const double tone_power = band_power(psd, rate, kFft, 1000.0 - 30.0, 1000.0 + 30.0) -
                                fundamental.floor * 60.0 / bin_hz(rate, kFft);
      BOOST_TEST(std::fabs(db(tone_power) - (level - 3.0103)) < 0.5);  // sine: A^2 / 2
      double worst_rise_db = -1e9;
      for (int h = 2; h <= 10; ++h) {
        const Harmonic hk = harmonic(psd, 1000.0 * h, rate, kFft);
        worst_rise_db = std::max(worst_rise_db, db(hk.peak) - db(hk.floor));
      }
      BOOST_TEST_MESSAGE("TPDF, " << level << " dBFS: highest harmonic " << worst_rise_db
                                  << " dB above the local floor");
      BOOST_TEST(worst_rise_db <= 3.0);

      const auto rounded = quantise({.rate = rate, .bits = 16, .type = DitherType::none}, input);
      if (level <= -100.0) {
        BOOST_TEST(std::all_of(rounded.begin(), rounded.end(), [](float y) { return y == 0.0f; }));
      } else {
        const auto rounded_psd = welch(to_double(rounded), kFft);
        double highest_rise_db = -1e9;
        for (int h = 2; h <= 10; ++h) {
          const Harmonic hk = harmonic(rounded_psd, 1000.0 * h, rate, kFft);
          highest_rise_db = std::max(highest_rise_db, db(hk.peak) - db(hk.floor + 1e-30));
        }
        BOOST_TEST_MESSAGE("no dither, " << level << " dBFS: highest harmonic " << highest_rise_db
                                         << " dB above the local floor");
        BOOST_TEST(highest_rise_db >= 20.0);
      }
    }
  }
}

// TPDF's total error is the rounding error (Q^2/12) plus the dither's own
// power (2 Q^2/12): Q^2/4, within 0.5 dB. Rectangular dither: Q^2/6.
BOOST_AUTO_TEST_CASE(tpdf_noise_power_is_within_half_a_db_of_theory) {
  const auto input = test::white_noise(480000, -20.0, 3);
  for (int bits : {8, 16, 24}) {
    BOOST_TEST_CONTEXT("bits " << bits) {
      const auto tpdf = quantise({.bits = bits, .type = DitherType::tpdf}, input);
      const double measured = db(mean_square(error_of(tpdf, input)));
      const double theory = db(lsb_power(bits) / 4.0);
      BOOST_TEST_MESSAGE("TPDF " << bits << " bits: " << measured << " dBFS, theory " << theory);
      BOOST_TEST(std::fabs(measured - theory) < 0.5);

      const auto rect = quantise({.bits = bits, .type = DitherType::rectangular}, input);
      BOOST_TEST(std::fabs(db(mean_square(error_of(rect, input))) - db(lsb_power(bits) / 6.0)) <
                 0.5);
    }
  }
}

// Shaped TPDF at 44.1 and 48 kHz, every curve: the noise the ear hears most
// (1-5 kHz) is at least 10 dB below flat TPDF, the total noise grows by the
// curve's predicted 1 + sum c_k^2 (within 0.5 dB), and the error spectrum
// follows the designed |NTF|^2 within 1 dB in every third-octave band from
// 100 Hz up.
BOOST_AUTO_TEST_CASE(shaped_noise_follows_the_designed_curve) {
  for (double rate : {44100.0, 48000.0}) {
    // 300 segments: the 100 Hz band holds only 4 bins.
    const auto input = test::white_noise(3 * kLong, -20.0, 11);
    const auto flat = quantise({.rate = rate, .bits = 16, .type = DitherType::tpdf}, input);
    const auto flat_psd = welch(error_of(flat, input), kFft);
    const double flat_1k_5k = band_power(flat_psd, rate, kFft, 1000.0, 5000.0);
    for (auto curve :
         {NoiseShapingCurve::gentle, NoiseShapingCurve::medium, NoiseShapingCurve::aggressive}) {
      BOOST_TEST_CONTEXT("rate " << rate << ", curve " << int(curve)) {
        const auto taps = dsp::noise_shaping_taps(curve, rate);
        BOOST_TEST_REQUIRE(!taps.empty());
        const auto shaped =
            quantise({.rate = rate, .bits = 16, .type = DitherType::shaped, .curve = curve}, input);
        const auto error = error_of(shaped, input);
        const auto psd = welch(error, kFft);

        const double reduction_db =
            db(band_power(psd, rate, kFft, 1000.0, 5000.0)) - db(flat_1k_5k);
        BOOST_TEST_MESSAGE(rate << " Hz, curve " << int(curve) << ": 1-5 kHz " << reduction_db
                                << " dB against flat TPDF");
        BOOST_TEST(reduction_db <= -10.0);

        const double white = lsb_power(16) / 4.0;
        const double rise_db = db(mean_square(error)) - db(white);
        const double predicted_db = db(dsp::noise_power_gain(taps));
        BOOST_TEST_MESSAGE("  total noise +" << rise_db << " dB, predicted +" << predicted_db);
        BOOST_TEST(std::fabs(rise_db - predicted_db) < 0.5);

        double worst_db = 0.0;
        double worst_hz = 0.0;
        for (int band = 20; band <= 43; ++band) {  // 100 Hz ... 20 kHz
          const double centre = std::pow(10.0, band / 10.0);
          const double low = centre * std::pow(2.0, -1.0 / 6.0);
          const double high = centre * std::pow(2.0, 1.0 / 6.0);
          if (high > rate / 2.0) break;
          double designed = 0.0;
          for (std::size_t k = 0; k < psd.size(); ++k) {
            const double f = double(k) * bin_hz(rate, kFft);
            if (f < low || f >= high) continue;
            designed += white * 2.0 / kFft *
                        dsp::noise_transfer_power(taps, 2.0 * std::numbers::pi * f / rate);
          }
          const double deviation = db(band_power(psd, rate, kFft, low, high)) - db(designed);
          if (std::fabs(deviation) > std::fabs(worst_db)) {
            worst_db = deviation;
            worst_hz = centre;
          }
          BOOST_TEST(std::fabs(deviation) < 1.0,
                     "third octave at " << centre << " Hz: " << deviation << " dB");
        }
        BOOST_TEST_MESSAGE("  worst third-octave deviation " << worst_db << " dB at " << worst_hz
                                                             << " Hz");
      }
    }
  }
}

// Where there is no design (the curves are tied to Hz), shaped is plain TPDF.
BOOST_AUTO_TEST_CASE(shaped_falls_back_to_tpdf_where_there_is_no_design) {
  for (double rate : {32000.0, 96000.0}) {
    BOOST_TEST_CONTEXT("rate " << rate) {
      BOOST_TEST(dsp::noise_shaping_taps(NoiseShapingCurve::aggressive, rate).empty());
      const auto input = test::white_noise(std::size_t(rate * 5), -20.0, 4);
      const auto out = quantise({.rate = rate,
                                 .bits = 16,
                                 .type = DitherType::shaped,
                                 .curve = NoiseShapingCurve::aggressive},
                                input);
      BOOST_TEST(std::fabs(db(mean_square(error_of(out, input))) - db(lsb_power(16) / 4.0)) < 0.5);
    }
  }
}

// Digital silence in, digital silence out: from the first frame, for every
// type, and again 5 ms after programme stops. Without auto-blank the same
// silence carries the TPDF floor.
BOOST_AUTO_TEST_CASE(silence_in_gives_silence_out_with_auto_blank) {
  const double rate = 48000.0;
  for (DitherType type :
       {DitherType::none, DitherType::rectangular, DitherType::tpdf, DitherType::shaped}) {
    BOOST_TEST_CONTEXT("type " << int(type)) {
      auto runner = make_dither({.rate = rate, .type = type, .channels = 2});
      test::Planar silence(2, std::vector<float>(48000, 0.0f));
      test::run_blocks(*runner, silence, 512);
      for (const auto& ch : silence) {
        BOOST_TEST(std::all_of(ch.begin(), ch.end(), [](float y) { return y == 0.0f; }));
      }

      auto programme = test::sine(rate, 440.0, -20.0, 24000);
      test::append(programme, std::vector<float>(24000, 0.0f));
      const auto out =
          quantise({.rate = rate, .type = type, .curve = NoiseShapingCurve::aggressive}, programme);
      const auto blank_after = std::size_t(24000 + Dither::kBlankMs * 1e-3 * rate);
      BOOST_TEST(std::all_of(out.begin() + long(blank_after), out.end(),
                             [](float y) { return y == 0.0f; }));
    }
  }
  const std::vector<float> silence(96000, 0.0f);
  const auto undithered_off = quantise({.rate = rate, .auto_blank = false}, silence);
  BOOST_TEST(std::fabs(db(mean_square(to_double(undithered_off))) - db(lsb_power(16) / 4.0)) < 0.5);
}

// The seed makes renders reproduce bit for bit, whatever the block size; a
// different seed gives different noise.
BOOST_AUTO_TEST_CASE(same_seed_same_output_at_any_block_size) {
  const auto input = test::white_noise(20000, -30.0, 9);
  const Settings shaped{.type = DitherType::shaped, .curve = NoiseShapingCurve::medium, .seed = 42};
  const auto reference = quantise(shaped, input, 4096);
  for (int block : {1, 37, 512}) {
    BOOST_TEST_CONTEXT("block " << block) {
      BOOST_TEST((quantise(shaped, input, block) == reference));
    }
  }
  Settings other = shaped;
  other.seed = 43;
  BOOST_TEST((quantise(other, input) != reference));
}

BOOST_AUTO_TEST_SUITE_END()
