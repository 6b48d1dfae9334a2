// The live loudness normaliser (issue 9) on a 20-minute programme it builds
// itself: items of music-like, speech-like and tone material between -32 and
// -8 LUFS, some separated by 2-10 s pauses. The output is measured with
// libebur128, independently of the stage's own meters.
//
// The 20-minute run is at 22.05 kHz (the lowest supported rate) so that the
// executable stays quick, also under ASan; 48 kHz is covered by a shorter
// programme with the same checks.
#include <ebur128.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <lacquer/dsp/loudness_normaliser.hpp>
#include <lacquer/dsp/true_peak_limiter.hpp>
#include <map>
#include <numbers>

#include "../common/programme.hpp"
#include "../common/run_stage.hpp"
#include "../common/true_peak16.hpp"

using namespace lacquer;
using Norm = dsp::LoudnessNormaliser;
using Kind = test::ProgrammeSegment::Kind;

namespace {

struct Settings {
  double rate = 22050.0;
  double minutes = 20.0;
  int speed = Norm::kRadio;
  double target = -23.0;
  double lookahead_s = 1.5;
  double ceiling_dbtp = -1.0;
  double max_gain_db = 12.0;
};

// What the checks read off one run.
struct Run {
  Settings settings;
  int latency = 0;
  double integrated = 0.0;
  double short_term_in_tolerance = 0.0;  // fraction of the counted 100 ms points
  long short_term_points = 0;
  double loudest_pause_lufs = -HUGE_VAL;
  long pause_points = 0;
  double fastest_gain_db_per_s = 0.0;
  double rate_db_per_s = 0.0;
  double true_peak_dbtp = -HUGE_VAL;
  long true_peak_chunks = 0;
};

// True peak of the output by the independent 16x meter. To keep the test
// quick it looks at the 100 ms chunks whose sample peak comes within 6 dB of
// the ceiling, each with 256 samples of context on either side faded in and
// out so the chunk's edges do not ring. (Samples 6 dB below the true peak
// take a strong component near 0.35 fs or above caught at its worst phase;
// the programme is band-limited there and its energy lies far lower.)
void measure_true_peak(const test::Planar& out, double rate, double ceiling_dbtp, Run& r) {
  const test::TruePeak16 meter;
  const auto chunk = std::size_t(rate / 10.0);
  const std::size_t context = 256, fade = 128;
  const double screen = test::db_to_linear(ceiling_dbtp - 6.0);
  for (const auto& channel : out) {
    for (std::size_t begin = 0; begin < channel.size(); begin += chunk) {
      const std::size_t end = std::min(channel.size(), begin + chunk);
      double sample_peak = 0.0;
      for (std::size_t i = begin; i < end; ++i)
        sample_peak = std::max(sample_peak, double(std::fabs(channel[i])));
      if (sample_peak < screen) continue;
      const std::size_t from = begin >= context ? begin - context : 0;
      const std::size_t to = std::min(channel.size(), end + context);
      std::vector<float> piece(channel.begin() + long(from), channel.begin() + long(to));
      for (std::size_t i = 0; i < fade && i < piece.size(); ++i) {
        const auto w = float(0.5 - 0.5 * std::cos(std::numbers::pi * double(i) / double(fade)));
        if (from > 0) piece[i] *= w;
        if (to < channel.size()) piece[piece.size() - 1 - i] *= w;
      }
      ++r.true_peak_chunks;
      r.true_peak_dbtp = std::max(r.true_peak_dbtp, meter.peak_db(piece));
    }
  }
}

bool window_inside_items(const test::Programme& p, long long begin, long long end) {
  if (begin < 0) return false;
  for (const auto& s : p.segments) {
    if (s.kind != Kind::pause && (long long)s.end > begin && (long long)s.begin < end) {
      // overlapping an item is fine; overlapping a pause is not
      continue;
    }
    if (s.kind == Kind::pause && (long long)s.end > begin && (long long)s.begin < end) return false;
  }
  return end <= (long long)p.audio[0].size();
}

bool window_inside_pause(const test::Programme& p, long long begin, long long end) {
  for (const auto& s : p.segments) {
    if (s.kind == Kind::pause && (long long)s.begin <= begin && end <= (long long)s.end)
      return true;
  }
  return false;
}

Run run(const Settings& settings) {
  Run r;
  r.settings = settings;
  test::Programme p = test::make_programme(settings.rate, settings.minutes);
  auto runner = test::make_runner("norm", settings.rate, 2, 4096);
  dsp::Stage& stage = runner->stage();
  stage.set(Norm::kTarget, float(settings.target));
  stage.set(Norm::kSpeed, float(settings.speed));
  stage.set(Norm::kLookahead, float(settings.lookahead_s));
  stage.set(Norm::kCeiling, float(settings.ceiling_dbtp));
  stage.set(Norm::kMaxGain, float(settings.max_gain_db));
  runner->reset();
  r.latency = runner->latency();
  r.rate_db_per_s = Norm::tracking(settings.speed, stage.get(Norm::kRate)).rate_db_per_s;

  const std::size_t frames = p.audio[0].size();
  const auto hop = std::size_t(std::lround(settings.rate / 10.0));
  ebur128_state* st =
      ebur128_init(2, static_cast<unsigned long>(settings.rate), EBUR128_MODE_S | EBUR128_MODE_I);
  std::vector<float> interleaved(2 * hop);
  // Odd block sizes: the gain must not depend on how the host cuts the stream.
  const int blocks[] = {1024, 333, 4096, 2205, 64};
  float previous_gain = 0.0f;
  std::size_t previous_at = 0;
  std::size_t measured = 0;  // output frames given to the meter
  std::vector<float*> ptrs(2);
  for (std::size_t done = 0, k = 0; done < frames; ++k) {
    const std::size_t n = std::min<std::size_t>(std::size_t(blocks[k % 5]), frames - done);
    ptrs[0] = p.audio[0].data() + done;
    ptrs[1] = p.audio[1].data() + done;
    runner->process(ptrs.data(), int(n));
    done += n;
    // Gain rate between reads at least 50 ms apart (the meter shows the gain
    // at the end of each block).
    if (done - previous_at >= hop / 2) {
      const float gain = stage.meter(Norm::kGain, -1);
      const double per_s = std::fabs(double(gain) - double(previous_gain)) /
                           (double(done - previous_at) / settings.rate);
      r.fastest_gain_db_per_s = std::max(r.fastest_gain_db_per_s, per_s);
      previous_gain = gain;
      previous_at = done;
    }
    // Measure the output every 100 ms.
    for (; measured + hop <= done; measured += hop) {
      for (std::size_t i = 0; i < hop; ++i) {
        interleaved[2 * i] = p.audio[0][measured + i];
        interleaved[2 * i + 1] = p.audio[1][measured + i];
      }
      ebur128_add_frames_float(st, interleaved.data(), hop);
      const std::size_t end_out = measured + hop;
      const long long end_in = (long long)end_out - r.latency;  // input time of this output
      if (end_out >= std::size_t(10.0 * settings.rate)) {
        double s = -HUGE_VAL;
        ebur128_loudness_shortterm(st, &s);
        if (window_inside_items(p, end_in - (long long)(3 * settings.rate), end_in)) {
          ++r.short_term_points;
          if (std::fabs(s - settings.target) <= 2.0) r.short_term_in_tolerance += 1.0;
        }
      }
      // A momentary window that starts 50 ms or more into a pause: the
      // K-weighting filters' ring-out from an item's abrupt end is not the
      // normaliser's doing.
      if (window_inside_pause(p, end_in - (long long)(0.45 * settings.rate), end_in)) {
        double m = -HUGE_VAL;
        ebur128_loudness_momentary(st, &m);
        ++r.pause_points;
        r.loudest_pause_lufs = std::max(r.loudest_pause_lufs, m);
      }
    }
  }
  if (r.short_term_points > 0) r.short_term_in_tolerance /= double(r.short_term_points);
  ebur128_loudness_global(st, &r.integrated);
  ebur128_destroy(&st);
  measure_true_peak(p.audio, settings.rate, settings.ceiling_dbtp, r);
  BOOST_TEST_MESSAGE(
      "rate " << settings.rate << " speed " << settings.speed << " latency " << r.latency
              << ": integrated " << r.integrated << " LUFS, short-term within "
              << "2 LU " << 100.0 * r.short_term_in_tolerance << " % of " << r.short_term_points
              << " points, loudest pause " << r.loudest_pause_lufs << " LUFS over "
              << r.pause_points << " points, fastest gain " << r.fastest_gain_db_per_s
              << " dB/s (limit " << r.rate_db_per_s << "), true peak " << r.true_peak_dbtp
              << " dBTP over " << r.true_peak_chunks << " chunks");
  return r;
}

// The programme: 20 minutes at 22.05 kHz, radio speed.
const Run& long_run() {
  static const Run r = run(Settings{});
  return r;
}

// A shorter one at 48 kHz, at a streaming target (-14 LUFS) where the
// ceiling is reached often.
const Run& run_48k() {
  static const Run r =
      run(Settings{.rate = 48000.0, .minutes = 2.0, .target = -14.0, .max_gain_db = 20.0});
  return r;
}

// Steady noise at -30 LUFS with a 300 ms burst 15 dB louder in the middle;
// returns the gains read every 10 ms.
std::vector<double> gains_around_transient(int speed, double rate_db_per_s, double rate = 48000.0) {
  const auto frames = std::size_t(30.0 * rate);
  test::Planar audio{test::white_noise(frames, -30.0, 1), test::white_noise(frames, -30.0, 2)};
  test::programme_detail::set_loudness(audio[0], audio[1], rate, -30.0);
  const auto burst_at = std::size_t(20.0 * rate);
  for (std::size_t i = burst_at; i < burst_at + std::size_t(0.3 * rate); ++i) {
    audio[0][i] *= 5.6234f;  // +15 dB
    audio[1][i] *= 5.6234f;
  }
  auto runner = test::make_runner("norm", rate, 2, 512);
  runner->stage().set(Norm::kSpeed, float(speed));
  runner->stage().set(Norm::kRate, float(rate_db_per_s));
  runner->reset();
  std::vector<double> gains;
  const int block = int(rate / 100.0);
  std::vector<float*> ptrs(2);
  for (std::size_t done = 0; done + std::size_t(block) <= frames; done += std::size_t(block)) {
    ptrs[0] = audio[0].data() + done;
    ptrs[1] = audio[1].data() + done;
    runner->process(ptrs.data(), block);
    gains.push_back(runner->stage().meter(Norm::kGain, -1));
  }
  return gains;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(norm)

// Issue 9: output integrated loudness within +-0.5 LU of the target.
BOOST_AUTO_TEST_CASE(programme_integrated_within_half_lu_of_target) {
  for (const Run* r : {&long_run(), &run_48k()}) {
    BOOST_TEST_CONTEXT("rate " << r->settings.rate) {
      BOOST_TEST(std::fabs(r->integrated - r->settings.target) <= 0.5);
    }
  }
}

// Issue 9: short-term loudness within +-2 LU of the target for at least 95 %
// of the non-silent time after the first 10 s. A short-term value counts as
// non-silent when its whole 3 s window is programme (a window reaching into a
// pause reads low whatever the gain).
BOOST_AUTO_TEST_CASE(short_term_within_2_lu_for_95_percent_of_programme) {
  for (const Run* r : {&long_run(), &run_48k()}) {
    BOOST_TEST_CONTEXT("rate " << r->settings.rate) {
      BOOST_TEST_REQUIRE(r->short_term_points > 500);  // enough readings to judge by
      BOOST_TEST(r->short_term_in_tolerance >= 0.95);
    }
  }
}

// Issue 9: the pauses carry a -80 LUFS noise floor; the normaliser, which
// raises the quietest items by 9 dB and would go to its 12 dB maximum if it
// chased the noise, must leave every pause below -70 LUFS momentary.
BOOST_AUTO_TEST_CASE(pauses_stay_below_minus_70_lufs_momentary) {
  for (const Run* r : {&long_run(), &run_48k()}) {
    BOOST_TEST_CONTEXT("rate " << r->settings.rate) {
      BOOST_TEST_REQUIRE(r->pause_points > 20);
      BOOST_TEST(r->loudest_pause_lufs < -70.0);
    }
  }
}

// Issue 9: the gain never changes faster than the speed allows. The meter is
// a float: 1e-4 dB/s of slack for its rounding.
// Issue 9: true peak, measured 16x oversampled by a meter independent of the
// limiter's detector, at most 0.1 dB above the ceiling.
BOOST_AUTO_TEST_CASE(true_peak_at_most_ceiling_plus_0_1_db) {
  for (const Run* r : {&long_run(), &run_48k()}) {
    BOOST_TEST_CONTEXT("rate " << r->settings.rate) {
      BOOST_TEST_REQUIRE(r->true_peak_chunks > 0);
      BOOST_TEST(r->true_peak_dbtp <= r->settings.ceiling_dbtp + 0.1);
    }
  }
}

BOOST_AUTO_TEST_CASE(gain_never_moves_faster_than_the_speed_on_the_programme) {
  for (const Run* r : {&long_run(), &run_48k()}) {
    BOOST_TEST_CONTEXT("rate " << r->settings.rate) {
      BOOST_TEST(r->fastest_gain_db_per_s <= r->rate_db_per_s + 1e-4);
    }
  }
}

// Issue 9: no pumping on a steady signal with a transient. Over the 10 s
// after the burst the gain stays within 0.5 dB of where it was before it, and
// never moves faster than the speed.
BOOST_AUTO_TEST_CASE(steady_programme_with_a_transient_does_not_pump) {
  const std::pair<int, double> speeds[] = {
      {Norm::kBroadcast, 0.0}, {Norm::kRadio, 0.0}, {Norm::kCustom, 2.0}};
  for (auto [speed, custom_rate] : speeds) {
    BOOST_TEST_CONTEXT("speed " << speed) {
      const auto gains = gains_around_transient(speed, custom_rate);
      const double before = gains[1990];  // 19.9 s: settled, just before the burst
      BOOST_TEST(before == 7.0, boost::test_tools::tolerance(0.5 / 7.0));  // -30 -> -23 LUFS
      double deviation = 0.0, fastest = 0.0;
      for (std::size_t i = 1990; i < gains.size(); ++i) {
        deviation = std::max(deviation, std::fabs(gains[i] - before));
        fastest = std::max(fastest, std::fabs(gains[i] - gains[i - 1]) / 0.01);
      }
      const double limit = Norm::tracking(speed, custom_rate).rate_db_per_s;
      BOOST_TEST_MESSAGE("speed " << speed << ": deviation " << deviation << " dB, fastest "
                                  << fastest << " dB/s (limit " << limit << ")");
      BOOST_TEST(deviation <= 0.5);
      BOOST_TEST(fastest <= limit + 1e-3);
    }
  }
}

// The broadcast preset keeps an item's own dynamics: noise swelling +-4 dB
// over 8 s cycles (a loudness range of about 6 LU) keeps its loudness range
// within 1 LU (EBU Tech 3342's tolerance) and lands within 0.5 LU of the
// target, while the radio preset, which follows 3 s, flattens it by more
// than 2 LU. Both at the default lookahead, which centres the measurement
// on the audio being played.
BOOST_AUTO_TEST_CASE(broadcast_preset_keeps_the_loudness_range) {
  const double rate = 48000.0;
  const auto frames = std::size_t(75.0 * rate);
  test::Planar input{test::white_noise(frames, -30.0, 81), test::white_noise(frames, -30.0, 82)};
  for (std::size_t i = 0; i < frames; ++i) {
    const auto swell = float(
        test::db_to_linear(4.0 * std::sin(2.0 * std::numbers::pi * double(i) / (8.0 * rate))));
    input[0][i] *= swell;
    input[1][i] *= swell;
  }
  test::programme_detail::set_loudness(input[0], input[1], rate, -30.0);
  auto loudness_range = [&](const test::Planar& audio, double* integrated) {
    ebur128_state* st = ebur128_init(2, 48000, EBUR128_MODE_LRA | EBUR128_MODE_I);
    // The last 60 s: the gain has settled from where it started.
    const std::size_t from = frames - std::size_t(60.0 * rate);
    std::vector<float> interleaved(2 * (frames - from));
    for (std::size_t i = from; i < frames; ++i) {
      interleaved[2 * (i - from)] = audio[0][i];
      interleaved[2 * (i - from) + 1] = audio[1][i];
    }
    ebur128_add_frames_float(st, interleaved.data(), frames - from);
    double lra = 0.0;
    ebur128_loudness_range(st, &lra);
    ebur128_loudness_global(st, integrated);
    ebur128_destroy(&st);
    return lra;
  };
  double integrated_in = 0.0;
  const double lra_in = loudness_range(input, &integrated_in);
  BOOST_TEST_REQUIRE(lra_in > 5.0);
  double lra_out[2] = {0.0, 0.0};
  for (int speed : {Norm::kBroadcast, Norm::kRadio}) {
    auto runner = test::make_runner("norm", rate, 2, 1024);
    runner->stage().set(Norm::kSpeed, float(speed));
    runner->reset();
    test::Planar audio = input;
    test::run_blocks(*runner, audio, 1024);
    double integrated = 0.0;
    lra_out[speed] = loudness_range(audio, &integrated);
    BOOST_TEST_MESSAGE("speed " << speed << ": loudness range " << lra_in << " LU in, "
                                << lra_out[speed] << " LU out, integrated " << integrated);
    if (speed == Norm::kBroadcast) {
      BOOST_TEST(std::fabs(lra_out[speed] - lra_in) <= 1.0);
      BOOST_TEST(std::fabs(integrated + 23.0) <= 0.5);
    }
  }
  BOOST_TEST(lra_out[Norm::kRadio] < lra_in - 2.0);
}

// The speed is a real limit, not a time constant: a 15 dB step in a steady
// programme moves the gain at the configured rate (within 10 %) and never
// faster.
BOOST_AUTO_TEST_CASE(gain_follows_a_level_step_at_the_configured_rate) {
  const double rate = 48000.0;
  const auto frames = std::size_t(40.0 * rate);
  test::Planar audio{test::white_noise(frames, -30.0, 4), test::white_noise(frames, -30.0, 5)};
  test::programme_detail::set_loudness(audio[0], audio[1], rate, -30.0);
  for (auto& ch : audio) {
    for (std::size_t i = frames * 3 / 8; i < frames; ++i) ch[i] *= 5.6234f;  // +15 dB at 15 s
  }
  for (double custom_rate : {1.0, 4.0}) {
    BOOST_TEST_CONTEXT("rate " << custom_rate << " dB/s") {
      auto runner = test::make_runner("norm", rate, 2, 480);
      runner->stage().set(Norm::kSpeed, float(Norm::kCustom));
      runner->stage().set(Norm::kRate, float(custom_rate));
      runner->reset();
      test::Planar copy = audio;
      std::vector<float*> ptrs(2);
      double previous = 0.0, fastest = 0.0;
      for (std::size_t done = 0; done + 4800 <= frames; done += 4800) {
        ptrs[0] = copy[0].data() + done;
        ptrs[1] = copy[1].data() + done;
        runner->process(ptrs.data(), 4800);
        const double gain = runner->stage().meter(Norm::kGain, -1);
        fastest = std::max(fastest, std::fabs(gain - previous) / 0.1);
        previous = gain;
      }
      BOOST_TEST(fastest <= custom_rate + 1e-3);
      BOOST_TEST(fastest >= 0.9 * custom_rate);
      BOOST_TEST(previous == -8.0, boost::test_tools::tolerance(0.5 / 8.0));  // -15 -> -23 LUFS
    }
  }
}

// Latency is the lookahead plus the true-peak limiter's, reported in frames
// at every rate, and an impulse comes out exactly that late.
BOOST_AUTO_TEST_CASE(latency_is_the_lookahead_plus_the_limiter) {
  for (double rate : {22050.0, 44100.0, 48000.0, 96000.0, 192000.0}) {
    dsp::TruePeakLimiter limiter;
    limiter.prepare(rate, 2, 1024);
    for (float lookahead : {0.0f, 0.25f, 3.0f}) {
      BOOST_TEST_CONTEXT("rate " << rate << " lookahead " << lookahead) {
        auto runner = test::make_runner("norm", rate, 2, 1024);
        runner->stage().set(Norm::kLookahead, lookahead);
        std::vector<float> left(1024, 0.0f), right(1024, 0.0f);
        left[0] = right[0] = 0.25f;
        float* ptrs[] = {left.data(), right.data()};
        runner->process(ptrs, 1024);
        const int expected = int(std::lround(lookahead * rate)) + limiter.latency();
        BOOST_TEST(runner->latency() == expected);
        BOOST_TEST(runner->stage().max_latency() >= int(3.0 * rate) + limiter.latency());
        if (expected < 1024) {
          const auto at = std::size_t(expected);
          BOOST_TEST(left[at] == 0.25f, boost::test_tools::tolerance(1e-4f));
          for (std::size_t i = 0; i < 1024; ++i) {
            if (i != at) BOOST_TEST_REQUIRE(std::fabs(left[i]) < 1e-3f);
          }
        }
      }
    }
  }
}

// Block size must not change a single output sample: every gain decision is
// taken on the detector's 100 ms grid, whatever the host's blocks.
BOOST_AUTO_TEST_CASE(output_does_not_depend_on_block_size) {
  const double rate = 44100.0;
  test::Programme p = test::make_programme(rate, 0.35, 11);
  test::Planar reference;
  for (int block : {4096, 1, 441, 1000}) {
    BOOST_TEST_CONTEXT("block " << block) {
      auto runner = test::make_runner("norm", rate, 2, 4096);
      runner->stage().set(Norm::kSpeed, float(Norm::kRadio));
      runner->reset();
      test::Planar audio = p.audio;
      test::run_blocks(*runner, audio, block);
      if (reference.empty()) reference = audio;
      BOOST_TEST((audio == reference));
    }
  }
}

// BS.1770 channel weights from the layout: a 5.1 item with its surrounds
// (+1.5 dB) and a loud LFE (not counted) comes out at the target as libebur128
// measures it with the same layout; mono too.
BOOST_AUTO_TEST_CASE(channel_weights_follow_the_layout) {
  const double rate = 48000.0;
  const auto frames = std::size_t(30.0 * rate);
  for (int channels : {1, 6}) {
    BOOST_TEST_CONTEXT("channels " << channels) {
      test::Planar audio{std::size_t(channels), std::vector<float>{}};
      for (int c = 0; c < channels; ++c) {
        audio[std::size_t(c)] =
            test::white_noise(frames, c == 4 || c == 5 ? -30.0 : -36.0, std::uint32_t(20 + c));
      }
      if (channels == 6) audio[3] = test::sine(rate, 50.0, -6.0, frames);  // LFE
      auto runner = test::make_runner("norm", rate, channels, 1024);
      runner->stage().set(Norm::kLookahead, 0.0f);
      runner->stage().set(Norm::kSpeed, float(Norm::kRadio));
      runner->reset();
      test::run_blocks(*runner, audio, 1024);
      ebur128_state* st = ebur128_init(unsigned(channels), 48000, EBUR128_MODE_I);
      if (channels == 6) ebur128_set_channel(st, 3, EBUR128_UNUSED);
      // The last 10 s, settled.
      std::vector<float> interleaved(std::size_t(channels) * std::size_t(10.0 * rate));
      const std::size_t from = frames - std::size_t(10.0 * rate);
      for (std::size_t i = 0; i < std::size_t(10.0 * rate); ++i) {
        for (int c = 0; c < channels; ++c) {
          interleaved[i * std::size_t(channels) + std::size_t(c)] = audio[std::size_t(c)][from + i];
        }
      }
      ebur128_add_frames_float(st, interleaved.data(), std::size_t(10.0 * rate));
      double lufs = 0.0;
      ebur128_loudness_global(st, &lufs);
      ebur128_destroy(&st);
      BOOST_TEST(lufs == -23.0, boost::test_tools::tolerance(0.5 / 23.0));
    }
  }
}

// Digital silence in, digital silence out, and the meters say -inf, not a
// made-up number.
BOOST_AUTO_TEST_CASE(digital_silence_stays_digital_silence) {
  auto runner = test::make_runner("norm", 48000.0, 2, 512);
  test::Planar audio(2, std::vector<float>(48000 * 5, 0.0f));
  test::run_blocks(*runner, audio, 512);
  BOOST_TEST(test::peak(audio[0]) == 0.0);
  BOOST_TEST(test::peak(audio[1]) == 0.0);
  BOOST_TEST(std::isinf(runner->stage().meter(Norm::kIntegrated, -1)));
  BOOST_TEST(runner->stage().meter(Norm::kGain, -1) == 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()
