// lacquer — master a mix for a delivery target, or analyse it.
//
//   lacquer analyze IN [--json]
//   lacquer master IN OUT [--target NAME|LUFS] [--ceiling DBTP] [--preset GENRE]
//                  [--bits 16|24|32f] [--rate HZ] [--json] [--quiet]
//   lacquer presets
//
// Everything audio goes through GStreamer pipelines of the lacquer elements.
#include "arguments.hpp"
#include "measure.hpp"
#include "render.hpp"
#include "report.hpp"
#include "session.hpp"

#include "presets/presets.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace lacquer;
using namespace lacquer::cli;

constexpr int kExitInterrupted = 130;
// ±0.1 LU is the promise; aim inside it so a re-measurement elsewhere agrees.
constexpr double kToleranceLu = 0.1;
constexpr double kAimLu = 0.05;
constexpr int kMaxRenders = 3;
// The verify pass reads true peak with masterloudness, within 0.05 dB of a
// 16x meter (dsp/include/lacquer/dsp/loudness_meter.hpp): the file's true
// peak must be that far under the ceiling. A lossy file is decoded again by
// whatever plays it, with a decoder other than the verify pass's: twice that.
constexpr double kTruePeakMarginDb = 0.05;
constexpr double kLossyTruePeakMarginDb = 0.1;
// Where the first render puts the limiter below the ceiling: the margin plus
// the limiter's own overshoot (at most 0.05 dB against a 16x meter,
// dsp/include/lacquer/dsp/true_peak_limiter.hpp); for lossy codecs also their
// overshoot after decoding (0.2 to 0.45 dB at 256-320 kb/s on the demo mix
// and the test programmes).
constexpr double kPcmHeadroomDb = 0.15;
constexpr double kLossyHeadroomDb = 0.6;

int fail(const std::string& message, int code = kExitFailed) {
  std::fprintf(stderr, "lacquer: %s\n", message.c_str());
  return code;
}

void usage(FILE* to) {
  std::fprintf(to,
               "usage: lacquer master IN OUT [--target NAME|LUFS] [--ceiling DBTP] "
               "[--preset GENRE]\n"
               "                      [--bits 16|24|32f] [--rate HZ] [--report FILE.png] [--json] "
               "[--quiet]\n"
               "       lacquer analyze IN [--json]\n"
               "       lacquer presets\n");
}

std::string fixed(double value, int decimals = 1) {
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  if (std::isnan(value)) return "nan";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// JSON numbers: -inf / nan are not JSON, so they become null.
std::string json_number(double value, int decimals = 2) {
  if (!std::isfinite(value)) return "null";
  return fixed(value, decimals);
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

// A readable regular file, or one line saying why not.
std::optional<std::string> input_problem(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) return path + ": no such file";
  if (!fs::is_regular_file(path, ec)) return path + ": not a regular file";
  std::ifstream probe(path, std::ios::binary);
  if (!probe) return path + ": cannot be read";
  if (fs::file_size(path, ec) == 0) return path + ": empty file (0 bytes)";
  return std::nullopt;
}

std::string measurement_json(const Measurement& m, bool with_spectrum = true) {
  std::string j = "{";
  j += "\"integrated_lufs\": " + json_number(m.integrated_lufs);
  j += ", \"loudness_range_lu\": " + json_number(m.loudness_range_lu);
  j += ", \"short_term_max_lufs\": " + json_number(m.short_term_max_lufs);
  j += ", \"true_peak_dbtp\": " + json_number(m.true_peak_dbtp);
  j += ", \"sample_peak_dbfs\": " + json_number(m.sample_peak_dbfs);
  j += ", \"plr_db\": " + json_number(m.plr_db);
  j += ", \"channels\": " + std::to_string(m.channels);
  j += ", \"rate\": " + std::to_string(m.rate);
  j += ", \"frames\": " + std::to_string(m.frames);
  j += ", \"seconds\": " + json_number(m.seconds(), 3);
  j += ", \"dc_offset_dbfs\": [";
  for (std::size_t c = 0; c < m.dc_offset_dbfs.size(); ++c) {
    j += (c > 0 ? ", " : "") + json_number(m.dc_offset_dbfs[c]);
  }
  j += "]";
  if (m.channels == 2) {
    j += ", \"correlation\": " + json_number(m.correlation, 3);
    j += ", \"mono_loss_db\": " + json_number(m.mono_loss_db);
  }
  if (!with_spectrum) return j + "}";
  j += ", \"octave_bands_db\": {";
  for (std::size_t o = 0; o < kOctaveCentresHz.size(); ++o) {
    j += (o > 0 ? ", " : "") + json_string(fixed(kOctaveCentresHz[o], o == 0 ? 1 : 0)) + ": " +
         json_number(m.octave_db[o]);
  }
  return j + "}}";
}

int command_presets() {
  std::printf("Delivery targets (--target; or a number in LUFS):\n");
  for (const presets::Target& t : presets::kTargets) {
    std::printf("  %-10s %6.1f LUFS  %5.1f dBTP  %s (%s)\n", std::string(t.name).c_str(), t.lufs,
                t.ceiling_dbtp, std::string(t.label).c_str(), std::string(t.source).c_str());
  }
  std::printf("\nGenre presets (--preset):\n");
  for (const presets::Genre& g : presets::kGenres) {
    std::printf("  %-10s %s\n", std::string(g.name).c_str(), std::string(g.summary).c_str());
  }
  return 0;
}

int command_analyze(const AnalyzeCommand& command) {
  const std::string& input = command.input;
  const bool json = command.json;
  if (auto problem = input_problem(input)) return fail(*problem);
  const MeasureOutcome outcome = measure_file(input, json ? "" : "analyze");
  if (outcome.interrupted) return fail("interrupted", kExitInterrupted);
  if (!outcome.ok) return fail(input + ": " + outcome.error);
  const Measurement& m = outcome.measurement;
  if (json) {
    std::printf("%s\n", measurement_json(m).c_str());
    return 0;
  }
  std::printf("%s: %d ch, %d Hz, %s s\n", input.c_str(), m.channels, m.rate,
              fixed(m.seconds(), 2).c_str());
  std::printf("  Integrated loudness  %8s LUFS\n", fixed(m.integrated_lufs).c_str());
  std::printf("  Loudness range       %8s LU\n", fixed(m.loudness_range_lu).c_str());
  std::printf("  Short-term max       %8s LUFS\n", fixed(m.short_term_max_lufs).c_str());
  std::printf("  True peak            %8s dBTP\n", fixed(m.true_peak_dbtp).c_str());
  std::printf("  Sample peak          %8s dBFS\n", fixed(m.sample_peak_dbfs).c_str());
  std::printf("  PLR                  %8s dB\n", fixed(m.plr_db).c_str());
  for (std::size_t c = 0; c < m.dc_offset_dbfs.size(); ++c) {
    std::printf("  DC offset, ch %zu      %8s dBFS\n", c + 1, fixed(m.dc_offset_dbfs[c]).c_str());
  }
  if (m.channels == 2) {
    std::printf("  Stereo correlation   %8s\n", fixed(m.correlation, 2).c_str());
    std::printf("  Mono-fold loss       %8s dB\n", fixed(m.mono_loss_db).c_str());
  }
  std::printf("  Spectral balance by octave (dB re loudest band):\n   ");
  for (std::size_t o = 0; o < kOctaveCentresHz.size(); ++o) {
    std::printf(" %s:%s", fixed(kOctaveCentresHz[o], o == 0 ? 1 : 0).c_str(),
                fixed(m.octave_db[o]).c_str());
  }
  std::printf("\n");
  return 0;
}

struct RenderRecord {
  double gain_db;  // in front of the limiter
  double ceiling_dbtp;
  double integrated_lufs;
  double true_peak_dbtp;
  double render_seconds;
  double verify_seconds;
};

int command_master(const MasterCommand& command) {
  const std::string& input = command.input;
  const std::string& output = command.output;
  const std::string& target_name = command.target_name;
  const double target_lufs = command.target_lufs;
  const double ceiling_dbtp = command.ceiling_dbtp;
  const presets::Genre* genre = command.genre;
  const OutputFormat* format = command.format;
  const int rate = command.rate;
  const bool json = command.json;
  const bool quiet = command.quiet;
  const std::string& report_path = command.report_path;
  if (auto problem = input_problem(input)) return fail(*problem);
  namespace fs = std::filesystem;
  const fs::path out_path(output);
  const fs::path out_dir = out_path.has_parent_path() ? out_path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(out_dir, ec)) return fail(output + ": no such directory");
  if (access(out_dir.c_str(), W_OK) != 0) return fail(output + ": directory is not writable");

  const bool progress = !quiet && !json;
  // Pass 1: measure.
  const bool want_report = !report_path.empty();
  const MeasureOutcome before = measure_file(input, progress ? "measure" : "", want_report);
  if (before.interrupted) return fail("interrupted", kExitInterrupted);
  if (!before.ok) return fail(input + ": " + before.error);
  const Measurement& in = before.measurement;
  if (!std::isfinite(in.integrated_lufs) || in.integrated_lufs < -70.0) {
    return fail(input + ": silent (below the -70 LUFS gate); nothing to normalise");
  }

  // Pass 2..: render into a temporary file beside OUT, verify, correct.
  const fs::path temp = out_dir / ("." + out_path.filename().string() + ".lacquer-" +
                                   std::to_string(getpid()) + ".tmp");
  auto discard = [&] { fs::remove(temp, ec); };
  RenderSettings settings;
  settings.input = input;
  settings.output = temp.string();
  settings.format = format;
  settings.sample_format = command.sample_format;
  settings.rate = rate;
  settings.channels = in.channels;
  settings.genre = genre;
  // Start the limiter that far down, so one render usually suffices for the
  // true peak (the verify loop lowers it further if needed).
  settings.ceiling_dbtp = ceiling_dbtp - (format->lossy ? kLossyHeadroomDb : kPcmHeadroomDb);
  settings.pre_gain_db = std::clamp(presets::kReferenceLufs - in.integrated_lufs, -60.0, 60.0);
  // What the dynamics take off is learnt from the first render.
  settings.gain_db = std::clamp(target_lufs - in.integrated_lufs - settings.pre_gain_db, -60.0, 60.0);

  std::vector<RenderRecord> renders;
  Measurement out;
  double max_reduction = 0.0;
  std::vector<std::pair<double, double>> gain_reduction_series;
  for (int pass = 1; pass <= kMaxRenders; ++pass) {
    settings.progress_label = progress ? "render " + std::to_string(pass) : "";
    const RenderOutcome rendered = render(settings);
    if (rendered.interrupted || interrupted()) {
      discard();
      return fail("interrupted; nothing written", kExitInterrupted);
    }
    if (!rendered.ok) {
      discard();
      return fail(input + ": render failed: " + rendered.error);
    }
    if (std::getenv("LACQUER_DEBUG") != nullptr) {
      std::fprintf(stderr, "lacquer: debug: %s\n", rendered.pipeline.c_str());
    }
    // Measure what was written, decoded again: the promise holds for the file.
    const MeasureOutcome after = measure_file(temp.string(), progress ? "verify" : "", want_report);
    if (after.interrupted || interrupted()) {
      discard();
      return fail("interrupted; nothing written", kExitInterrupted);
    }
    if (!after.ok) {
      discard();
      return fail(output + ": cannot verify the rendered file: " + after.error);
    }
    out = after.measurement;
    max_reduction = rendered.max_gain_reduction_db;
    gain_reduction_series = rendered.gain_reduction_series;
    renders.push_back({settings.gain_db, settings.ceiling_dbtp, out.integrated_lufs,
                       out.true_peak_dbtp, rendered.wall_seconds, after.wall_seconds});
    const double error_lu = target_lufs - out.integrated_lufs;
    const double margin_db = format->lossy ? kLossyTruePeakMarginDb : kTruePeakMarginDb;
    const double peak_excess_db = out.true_peak_dbtp - (ceiling_dbtp - margin_db);
    if (std::abs(error_lu) <= kAimLu && peak_excess_db <= 0.0) break;
    if (pass == kMaxRenders) break;
    // A lossy encoder's overshoot (or the limiter's own): lower the ceiling.
    if (peak_excess_db > 0.0) settings.ceiling_dbtp -= 1.5 * peak_excess_db + 0.05;
    // A limiter is scale-invariant: limiting at (ceiling - d) is limiting at
    // the ceiling with d dB more drive, then turning down by d. So every
    // render is a point on one curve - loudness at the nominal ceiling
    // against drive - and a secant step on it sets gain and ceiling together.
    auto drive_of = [&](const RenderRecord& r) {
      return r.gain_db + (ceiling_dbtp - r.ceiling_dbtp);
    };
    auto nominal_of = [&](const RenderRecord& r) {
      return r.integrated_lufs + (ceiling_dbtp - r.ceiling_dbtp);
    };
    // Below 1 dB per dB once the limiter works hard.
    double slope = 1.0;
    if (renders.size() >= 2) {
      const RenderRecord& a = renders[renders.size() - 2];
      const RenderRecord& b = renders.back();
      if (std::abs(drive_of(b) - drive_of(a)) > 1e-3) {
        slope = std::clamp((nominal_of(b) - nominal_of(a)) / (drive_of(b) - drive_of(a)), 0.2, 1.0);
      }
    }
    const double offset_db = ceiling_dbtp - settings.ceiling_dbtp;
    const RenderRecord& last = renders.back();
    const double drive = drive_of(last) + (target_lufs + offset_db - nominal_of(last)) / slope;
    settings.gain_db = std::clamp(drive - offset_db, -60.0, 60.0);
  }

  fs::rename(temp, out_path, ec);
  if (ec) {
    discard();
    return fail(output + ": cannot write: " + ec.message());
  }
  if (want_report) {
    std::string report_error;
    const std::string title = "lacquer master " + fs::path(input).filename().string() + " -> " +
                              out_path.filename().string() + " (" + target_name + ", preset " +
                              std::string(genre->name) + ")";
    if (!write_report(report_path, in, out, gain_reduction_series, target_lufs, title,
                      report_error)) {
      return fail("report: " + report_error);
    }
  }
  const double error_lu = target_lufs - out.integrated_lufs;
  const bool on_target = std::abs(error_lu) <= kToleranceLu && out.true_peak_dbtp <= ceiling_dbtp;

  if (json) {
    std::string j = "{\"input\": " + json_string(input) + ", \"output\": " + json_string(output);
    j += ", \"target_lufs\": " + json_number(target_lufs) +
         ", \"ceiling_dbtp\": " + json_number(ceiling_dbtp) +
         ", \"preset\": " + json_string(genre->name) +
         ", \"on_target\": " + (on_target ? "true" : "false");
    j += ", \"before\": " + measurement_json(in, false) +
         ", \"after\": " + measurement_json(out, false);
    j += ", \"max_gain_reduction_db\": " + json_number(max_reduction);
    j += ", \"measure_seconds\": " + json_number(before.wall_seconds, 3);
    j += ", \"renders\": [";
    for (std::size_t r = 0; r < renders.size(); ++r) {
      const RenderRecord& rec = renders[r];
      j += std::string(r > 0 ? ", " : "") + "{\"gain_db\": " + json_number(settings.pre_gain_db + rec.gain_db, 3) +
           ", \"ceiling_dbtp\": " + json_number(rec.ceiling_dbtp) +
           ", \"integrated_lufs\": " + json_number(rec.integrated_lufs, 3) +
           ", \"true_peak_dbtp\": " + json_number(rec.true_peak_dbtp, 3) +
           ", \"render_seconds\": " + json_number(rec.render_seconds, 3) +
           ", \"realtime_factor\": " +
           json_number(rec.render_seconds > 0 ? in.seconds() / rec.render_seconds : 0.0, 1) +
           ", \"verify_seconds\": " + json_number(rec.verify_seconds, 3) + "}";
    }
    std::printf("%s]}\n", j.c_str());
  } else if (!quiet) {
    std::printf("%-22s %10s %10s\n", "", "input", "output");
    auto row = [](const char* name, double a, double b, const char* unit) {
      std::printf("%-22s %10s %10s  %s\n", name, fixed(a).c_str(), fixed(b).c_str(), unit);
    };
    row("Integrated loudness", in.integrated_lufs, out.integrated_lufs, "LUFS");
    row("Loudness range", in.loudness_range_lu, out.loudness_range_lu, "LU");
    row("True peak", in.true_peak_dbtp, out.true_peak_dbtp, "dBTP");
    row("Sample peak", in.sample_peak_dbfs, out.sample_peak_dbfs, "dBFS");
    std::printf("%-22s %10s %10s  %s\n", "Max gain reduction", "", fixed(max_reduction).c_str(),
                "dB");
    std::printf("target %s LUFS / %s dBTP, preset %s, %zu render(s), gain %+.2f dB -> %s\n",
                fixed(target_lufs).c_str(), fixed(ceiling_dbtp).c_str(),
                std::string(genre->name).c_str(), renders.size(), settings.pre_gain_db + renders.back().gain_db,
                output.c_str());
  }
  if (!on_target) {
    std::fprintf(stderr,
                 "lacquer: warning: %s measures %s LUFS / %s dBTP, outside the target after %d "
                 "renders\n",
                 output.c_str(), fixed(out.integrated_lufs, 2).c_str(),
                 fixed(out.true_peak_dbtp, 2).c_str(), int(renders.size()));
  }
  return 0;
}

// GLib warnings from inside GStreamer elements (e.g. audioconvert on a
// layout it cannot map) are for developers: the command says what went wrong
// in its own one line. LACQUER_DEBUG=1 shows them.
GLogWriterOutput quiet_log_writer(GLogLevelFlags level, const GLogField* fields, gsize n_fields,
                                  gpointer user_data) {
  if ((level & G_LOG_LEVEL_ERROR) != 0 || std::getenv("LACQUER_DEBUG") != nullptr) {
    return g_log_writer_default(level, fields, n_fields, user_data);
  }
  return G_LOG_WRITER_HANDLED;
}

}  // namespace

int main(int argc, char** argv) {
  g_log_set_writer_func(quiet_log_writer, nullptr, nullptr);
  std::string error;
  if (!init_gstreamer(&argc, &argv, error)) return fail(error);
  install_interrupt_handlers();
  Installation installation;
  installation.has_element = [](std::string_view factory) {
    GstElementFactory* f = gst_element_factory_find(std::string(factory).c_str());
    if (f != nullptr) gst_object_unref(f);
    return f != nullptr;
  };
  installation.reports_available = reports_available();
  const Command command =
      parse_command_line(std::vector<std::string>(argv + 1, argv + argc), installation);
  if (const auto* master = std::get_if<MasterCommand>(&command)) return command_master(*master);
  if (const auto* analyze = std::get_if<AnalyzeCommand>(&command)) return command_analyze(*analyze);
  if (std::holds_alternative<PresetsCommand>(command)) return command_presets();
  if (std::holds_alternative<HelpCommand>(command)) return usage(stdout), 0;
  const auto& bad = std::get<CommandLineError>(command);
  if (bad.message.empty()) return usage(stderr), bad.exit_code;
  return fail(bad.message, bad.exit_code);
}
