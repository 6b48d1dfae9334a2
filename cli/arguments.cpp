#include "arguments.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>

namespace lacquer::cli {
namespace {

CommandLineError bad_usage(std::string message) { return {std::move(message), kExitBadUsage}; }

std::optional<double> parse_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(value)) return std::nullopt;
  return value;
}

Command parse_analyze(const std::vector<std::string>& args) {
  AnalyzeCommand command;
  for (const std::string& arg : args) {
    if (arg == "--json") {
      command.json = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return bad_usage("analyze: unknown option " + arg);
    } else if (command.input.empty()) {
      command.input = arg;
    } else {
      return bad_usage("analyze: one input file only");
    }
  }
  if (command.input.empty()) return bad_usage("");
  return command;
}

Command parse_master(const std::vector<std::string>& args, const Installation& installation) {
  MasterCommand command;
  std::string preset_name(presets::kDefaultGenre);
  std::optional<double> ceiling;
  std::string bits_text;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    std::string text;
    if (arg == "--json") {
      command.json = true;
    } else if (arg == "--quiet" || arg == "-q") {
      command.quiet = true;
    } else if (arg == "--target") {
      if (!value(command.target_name)) return bad_usage("--target needs a value");
    } else if (arg == "--preset") {
      if (!value(preset_name)) return bad_usage("--preset needs a value");
    } else if (arg == "--report") {
      if (!value(command.report_path)) return bad_usage("--report needs a file name");
    } else if (arg == "--bits") {
      if (!value(bits_text)) return bad_usage("--bits needs a value");
    } else if (arg == "--ceiling") {
      if (!value(text)) return bad_usage("--ceiling needs a value");
      ceiling = parse_number(text);
      if (!ceiling || *ceiling > 0.0 || *ceiling < -20.0) {
        return bad_usage("--ceiling: " + text + " is not a level from -20 to 0 dBTP");
      }
    } else if (arg == "--rate") {
      if (!value(text)) return bad_usage("--rate needs a value");
      const auto hz = parse_number(text);
      if (!hz || *hz < 22050 || *hz > 192000 || std::floor(*hz) != *hz) {
        return bad_usage("--rate: " + text + " is not a sample rate from 22050 to 192000 Hz");
      }
      command.rate = int(*hz);
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      return bad_usage("master: unknown option " + arg);
    } else {
      files.push_back(arg);
    }
  }
  if (files.size() != 2) return bad_usage("");
  command.input = files[0];
  command.output = files[1];

  if (const presets::Target* target = presets::find_target(command.target_name)) {
    command.target_lufs = target->lufs;
    command.ceiling_dbtp = target->ceiling_dbtp;
  } else if (auto lufs = parse_number(command.target_name); lufs && *lufs >= -40.0 && *lufs <= -5.0) {
    command.target_lufs = *lufs;
  } else {
    return bad_usage("unknown target '" + command.target_name + "' (see lacquer presets)");
  }
  if (ceiling) command.ceiling_dbtp = *ceiling;
  command.genre = presets::find_genre(preset_name);
  if (command.genre == nullptr) {
    return bad_usage("unknown preset '" + preset_name + "' (see lacquer presets)");
  }
  const OutputFormat* format = output_format_for(command.output);
  if (format == nullptr) {
    return bad_usage(command.output +
                     ": unknown output format (use .wav, .flac, .mp3, .ogg, .opus, .m4a or .aac)");
  }
  command.format = format;
  if (!installation.has_element || !installation.has_element(format->factory)) {
    return CommandLineError{"no " + std::string(format->factory) + " encoder for " +
                                std::string(format->extension) + " (install " +
                                std::string(format->package) + ")",
                            kExitFailed};
  }
  if (bits_text == "16") {
    command.sample_format = SampleFormat::s16;
  } else if (bits_text == "24" || bits_text.empty()) {
    command.sample_format = SampleFormat::s24;
  } else if (bits_text == "32f") {
    if (format->integer_only && !format->lossy) {
      return bad_usage("--bits 32f: " + std::string(format->extension) + " holds integers only");
    }
    command.sample_format = SampleFormat::f32;
  } else {
    return bad_usage("--bits: " + bits_text + " is not 16, 24 or 32f");
  }
  const std::string& report = command.report_path;
  if (!report.empty()) {
    if (report.size() < 4 || report.substr(report.size() - 4) != ".png") {
      return bad_usage("--report: " + report + " must end in .png");
    }
    if (!installation.reports_available) {
      return CommandLineError{"this lacquer was built without cairo: no --report", kExitFailed};
    }
  }
  return command;
}

}  // namespace

Command parse_command_line(const std::vector<std::string>& args, const Installation& installation) {
  if (args.empty()) return bad_usage("");
  const std::string& command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "master") return parse_master(rest, installation);
  if (command == "analyze" || command == "analyse") return parse_analyze(rest);
  if (command == "presets") return PresetsCommand{};
  if (command == "--help" || command == "-h" || command == "help") return HelpCommand{};
  return bad_usage("");
}

}  // namespace lacquer::cli
