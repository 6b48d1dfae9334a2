// The lacquer command end to end: files in, files out, measured with tools
// that share no code with it (ffmpeg's ebur128, a 16x true-peak meter).
#include "cli_run.hpp"
#include "signals.hpp"
#include "true_peak16.hpp"

#include "presets/presets.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <thread>

extern char** environ;

namespace {

using namespace lacquer::test;
namespace presets = lacquer::presets;

constexpr int kRate = 48000;
// The promise of `lacquer master` (issue: within ±0.1 LU of the target).
constexpr double kLoudnessToleranceLu = 0.1;

// A test programme with the crest factor of music: kicks with a pitch sweep,
// decaying noise hits, a held chord, sections 6 dB apart, partly
// decorrelated channels. `level_db` scales it all.
Planar programme(double seconds, double level_db, std::uint32_t seed) {
  const auto frames = static_cast<std::size_t>(seconds * kRate) + 123;  // not a block multiple
  Planar audio(2, std::vector<float>(frames, 0.0f));
  const std::vector<float> noise_l = white_noise(frames, -20.0, seed);
  const std::vector<float> noise_r = white_noise(frames, -20.0, seed + 1);
  const double beat = 0.5 * kRate;  // 120 BPM
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = double(i) / kRate;
    const double in_beat = std::fmod(double(i), beat) / kRate;
    const double section = std::fmod(t, 4.0) < 2.0 ? 0.5 : 1.0;  // -6 dB, 0 dB
    const double kick = std::exp(-in_beat * 18.0) *
                        std::sin(2.0 * std::numbers::pi * (45.0 * in_beat + 40.0 * (1.0 - std::exp(-in_beat * 30.0)) / 30.0 * 3.0));
    const double hit = std::exp(-in_beat * 40.0);
    const double chord = 0.08 * (std::sin(2 * std::numbers::pi * 220.0 * t) +
                                 std::sin(2 * std::numbers::pi * 277.2 * t) +
                                 std::sin(2 * std::numbers::pi * 329.6 * t));
    const double common = 0.7 * kick + chord;
    audio[0][i] = float(section * (common + 3.0 * hit * noise_l[i]));
    audio[1][i] = float(section * (common + 3.0 * hit * (0.6 * noise_l[i] + 0.4 * noise_r[i])));
  }
  const double gain = db_to_linear(level_db);
  for (auto& channel : audio) {
    for (float& x : channel) x = float(x * gain);
  }
  return audio;
}

// Every delivery target, once per distinct pair of numbers: targets that
// share loudness and ceiling (Spotify, YouTube and Tidal; Apple and podcast)
// get the same file from the same input, so each pair is mastered once.
std::vector<const presets::Target*> distinct_targets() {
  std::vector<const presets::Target*> distinct;
  for (const presets::Target& target : presets::kTargets) {
    const bool seen = std::any_of(distinct.begin(), distinct.end(), [&](const presets::Target* d) {
      return d->lufs == target.lufs && d->ceiling_dbtp == target.ceiling_dbtp;
    });
    if (!seen) distinct.push_back(&target);
  }
  return distinct;
}

// Masters `input` to `target` and checks the decoded output independently.
void check_master(const std::string& input, const std::string& output, const presets::Target& target,
                  const ScratchDir& scratch, const TruePeak16& meter, const std::string& extra = "") {
  const CliResult run = run_cli("master " + input + " " + output + " --target " +
                                    std::string(target.name) + " --quiet " + extra,
                                scratch);
  BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
  const double integrated = ffmpeg_integrated_lufs(output);
  const double true_peak = meter.peak_db(decode(output));
  BOOST_TEST_MESSAGE(output.substr(output.find_last_of('/') + 1)
                     << " " << extra << " -> " << target.name << ": " << integrated
                     << " LUFS (ffmpeg), " << true_peak << " dBTP (16x)");
  BOOST_TEST_INFO(output << " -> " << target.name << ": " << integrated << " LUFS, " << true_peak
                         << " dBTP");
  BOOST_TEST(std::abs(integrated - target.lufs) <= kLoudnessToleranceLu);
  BOOST_TEST(true_peak <= target.ceiling_dbtp);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lacquer_master)

BOOST_AUTO_TEST_CASE(demo_mix_to_spotify_measures_minus_14_lufs_within_0_1_lu_in_ffmpeg_and_peaks_below_minus_1_dbtp) {
  ScratchDir scratch;
  const TruePeak16 meter;
  const std::string output = scratch / "demo-spotify.wav";
  const CliResult run = run_cli("master " + demo_mix() + " " + output + " --target spotify", scratch);
  BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
  BOOST_TEST(run.out.find("Integrated loudness") != std::string::npos);  // the before/after table
  const double integrated = ffmpeg_integrated_lufs(output);
  const double true_peak = meter.peak_db(decode(output));
  BOOST_TEST_MESSAGE("demo mix -> spotify: " << integrated << " LUFS (ffmpeg ebur128), "
                                             << true_peak << " dBTP (16x)");
  BOOST_TEST(std::abs(integrated - -14.0) <= kLoudnessToleranceLu);
  BOOST_TEST(true_peak <= -1.0);
}

BOOST_AUTO_TEST_CASE(demo_mix_meets_every_delivery_target_within_0_1_lu_and_its_true_peak_ceiling) {
  ScratchDir scratch;
  const TruePeak16 meter;
  // 12 s of the demo mix (quiet verse into the full section) keep the nine
  // masterings quick; the whole mix is mastered in the Spotify case above.
  const std::string excerpt = scratch / "demo-excerpt.flac";
  capture("ffmpeg -v error -nostdin -ss 10 -t 12 -i " + demo_mix() + " -c:a flac " + excerpt);
  for (const presets::Target* target : distinct_targets()) {
    check_master(excerpt, scratch / ("demo-" + std::string(target->name) + ".flac"), *target,
                 scratch, meter);
  }
}

BOOST_AUTO_TEST_CASE(test_programmes_meet_every_delivery_target_within_0_1_lu_and_its_true_peak_ceiling) {
  ScratchDir scratch;
  const TruePeak16 meter;
  // A quiet and a hot programme: the chain must raise one and lower the other.
  const std::string quiet = scratch / "quiet.wav";
  const std::string hot = scratch / "hot.wav";
  write_wav(quiet, programme(4.0, -18.0, 11), kRate);
  write_wav(hot, programme(4.0, 0.0, 23), kRate);
  for (const std::string& input : {quiet, hot}) {
    for (const presets::Target* target : distinct_targets()) {
      check_master(input, scratch / ("out-" + std::string(target->name) + ".wav"), *target, scratch,
                   meter);
    }
  }
}

// The promise holds for a lossy file as a listener decodes it (ffmpeg's MP3
// and AAC decoders, not the ones the command verifies with): the whole demo
// mix and a hot test programme, to every target, as MP3 and as AAC (.m4a).
BOOST_AUTO_TEST_CASE(mp3_and_aac_outputs_meet_every_delivery_target_within_0_1_lu_and_its_true_peak_ceiling_after_decoding) {
  ScratchDir scratch;
  const TruePeak16 meter;
  const std::string hot = scratch / "hot.wav";
  write_wav(hot, programme(4.0, -6.0, 31), kRate);
  for (const std::string& input : {demo_mix(), hot}) {
    for (const presets::Target* target : distinct_targets()) {
      for (const std::string extension : {".mp3", ".m4a"}) {
        check_master(input, scratch / (std::string(target->name) + extension), *target, scratch,
                     meter);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_genre_preset_reaches_the_target_within_0_1_lu) {
  ScratchDir scratch;
  const TruePeak16 meter;
  const std::string input = scratch / "in.wav";
  write_wav(input, programme(4.0, -12.0, 5), kRate);
  for (const presets::Genre& genre : presets::kGenres) {
    check_master(input, scratch / ("out-" + std::string(genre.name) + ".wav"),
                 *presets::find_target("spotify"), scratch, meter,
                 "--preset " + std::string(genre.name));
  }
}

BOOST_AUTO_TEST_CASE(output_wav_keeps_the_input_length_and_is_sample_aligned_with_it) {
  ScratchDir scratch;
  const std::string input = scratch / "in.wav";
  const Planar source = programme(5.0, -20.0, 7);
  write_wav(input, source, kRate);
  for (const char* bits : {"16", "24", "32f"}) {
    const std::string output = scratch / (std::string("out-") + bits + ".wav");
    const CliResult run =
        run_cli("master " + input + " " + output + " --target ebu-r128 --quiet --bits " + bits, scratch);
    BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
    const Planar result = decode(output);
    BOOST_TEST(result[0].size() == source[0].size());
    // Cross-correlation of the first and the last half second: the best lag
    // must be 0 (no leading silence, no lost tail, no drift).
    const std::size_t window = kRate / 2;
    for (const std::size_t start : {std::size_t(0), source[0].size() - window}) {
      int best_lag = 0;
      double best = -1.0;
      for (int lag = -256; lag <= 256; ++lag) {
        double sum = 0.0;
        for (std::size_t i = start; i < start + window; ++i) {
          const auto j = static_cast<std::ptrdiff_t>(i) + lag;
          if (j < 0 || j >= static_cast<std::ptrdiff_t>(result[0].size())) continue;
          sum += double(source[0][i]) * double(result[0][std::size_t(j)]);
        }
        if (sum > best) {
          best = sum;
          best_lag = lag;
        }
      }
      BOOST_TEST_INFO("bits " << bits << ", window at frame " << start);
      BOOST_TEST(best_lag == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(report_is_a_png_written_beside_a_master_on_target) {
  ScratchDir scratch;
  const TruePeak16 meter;
  const std::string input = scratch / "in.wav";
  write_wav(input, programme(4.0, -20.0, 13), kRate);
  const std::string report = scratch / "report.png";
  check_master(input, scratch / "out.wav", *presets::find_target("apple"), scratch, meter,
               "--preset pop --report " + report);
  const std::string png = read_text(report);
  BOOST_TEST_REQUIRE(png.size() > 8u);
  BOOST_TEST(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  const CliResult bad = run_cli("master " + input + " " + (scratch / "x.wav") +
                                    " --report " + (scratch / "report.jpg"), scratch);
  BOOST_TEST(bad.exit_code != 0);
  BOOST_TEST(!std::filesystem::exists(scratch / "x.wav"));
}

BOOST_AUTO_TEST_CASE(bad_inputs_exit_non_zero_with_one_line_and_write_nothing) {
  ScratchDir scratch;
  const std::string inputs = scratch / "inputs";
  std::filesystem::create_directory(inputs);
  const std::string text = inputs + "/text.wav";
  std::ofstream(text) << "this is not audio\n";
  const std::string empty = inputs + "/empty.wav";
  std::ofstream{empty};
  const std::string no_samples = inputs + "/no-samples.wav";
  write_wav(no_samples, Planar(2, std::vector<float>{}), kRate);
  const std::string ten_channels = inputs + "/ten.wav";
  write_wav(ten_channels, Planar(10, std::vector<float>(kRate, 0.1f)), kRate);
  const std::string good = inputs + "/good.wav";
  write_wav(good, programme(2.0, -20.0, 3), kRate);

  const std::string out_dir = scratch / "out";
  std::filesystem::create_directory(out_dir);
  const std::string output = out_dir + "/out.wav";
  const std::string cases[] = {
      "master " + inputs + "/missing.wav " + output,
      "master " + text + " " + output,
      "master " + empty + " " + output,
      "master " + no_samples + " " + output,
      "master " + ten_channels + " " + output,
      "master " + good + " " + output + " --target nowhere",
      "master " + good + " " + output + " --preset polka",
      "analyze " + text,
  };
  for (const std::string& args : cases) {
    const CliResult run = run_cli(args, scratch);
    BOOST_TEST_INFO("lacquer " << args << "\nstderr: " << run.err);
    BOOST_TEST(run.exit_code != 0);
    BOOST_TEST(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    BOOST_TEST(run.err.rfind("lacquer: ", 0) == 0);
    BOOST_TEST(run.out.empty());
    BOOST_TEST(std::filesystem::is_empty(out_dir));
  }
}

BOOST_AUTO_TEST_CASE(sigint_during_a_render_leaves_no_output_and_no_temporary_file) {
  ScratchDir scratch;
  const std::string input = scratch / "long.wav";
  write_wav(input, programme(60.0, -20.0, 9), kRate);
  const std::string out_dir = scratch / "out";
  std::filesystem::create_directory(out_dir);
  const std::string output = out_dir + "/out.flac";
  const std::string cli = LACQUER_CLI;
  std::vector<std::string> words = {cli, "master", input, output, "--quiet"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  BOOST_TEST_REQUIRE(posix_spawn(&pid, cli.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
  // Interrupt as soon as the render has started writing its temporary file.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool writing = false;
  while (!writing && std::chrono::steady_clock::now() < deadline) {
    for (const auto& entry : std::filesystem::directory_iterator(out_dir)) {
      writing = writing || std::filesystem::file_size(entry.path()) > 0;
    }
    if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  BOOST_TEST_REQUIRE(writing);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 130);
  BOOST_TEST(std::filesystem::is_empty(out_dir));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lacquer_analyze)

BOOST_AUTO_TEST_CASE(analyze_reports_a_minus_23_dbfs_1_khz_sine_at_minus_23_lufs_within_0_1_lu) {
  // EBU Tech 3341 case 1: a stereo 1 kHz sine of -23 dBFS peak reads -23.0 LUFS.
  ScratchDir scratch;
  const std::string input = scratch / "sine.wav";
  const std::vector<float> tone = sine(kRate, 1000.0, -23.0, 20 * kRate);
  write_wav(input, Planar{tone, tone}, kRate);
  const CliResult run = run_cli("analyze " + input + " --json", scratch);
  BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
  const auto at = run.out.find("\"integrated_lufs\": ");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  BOOST_TEST(std::abs(std::stod(run.out.substr(at + 19)) - -23.0) <= 0.1);
  // Identical channels: correlation 1, nothing lost when folded to mono.
  const auto corr = run.out.find("\"correlation\": ");
  BOOST_TEST_REQUIRE(corr != std::string::npos);
  BOOST_TEST(std::abs(std::stod(run.out.substr(corr + 15)) - 1.0) <= 1e-3);
}

BOOST_AUTO_TEST_SUITE_END()
