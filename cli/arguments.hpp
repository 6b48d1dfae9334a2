// The command line of `lacquer`, read into what each command needs, with
// every check that needs no audio. Nothing here touches a file or runs a
// pipeline, so the parser is also what the fuzz target `cli-arguments` drives.
#pragma once

#include "render.hpp"

#include "presets/presets.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lacquer::cli {

inline constexpr int kExitBadUsage = 2;
inline constexpr int kExitFailed = 1;

// What to print and which exit status to give instead of running.
struct CommandLineError {
  std::string message;  // one line; empty: print the usage
  int exit_code = kExitBadUsage;
};

struct AnalyzeCommand {
  std::string input;
  bool json = false;
};

struct MasterCommand {
  std::string input;
  std::string output;
  std::string target_name = "spotify";
  double target_lufs = 0.0;
  double ceiling_dbtp = -1.0;
  const presets::Genre* genre = nullptr;
  const OutputFormat* format = nullptr;
  SampleFormat sample_format = SampleFormat::s24;
  int rate = 0;  // 0: keep the input's
  bool json = false;
  bool quiet = false;
  std::string report_path;  // empty: no report
};

struct PresetsCommand {};
struct HelpCommand {};

using Command =
    std::variant<CommandLineError, AnalyzeCommand, MasterCommand, PresetsCommand, HelpCommand>;

// What the parser may ask of the installation: whether a GStreamer element
// factory exists (the encoder of the output format), and whether this build
// draws reports.
struct Installation {
  std::function<bool(std::string_view factory)> has_element;
  bool reports_available = false;
};

// `args` are the words after the program name.
Command parse_command_line(const std::vector<std::string>& args, const Installation& installation);

}  // namespace lacquer::cli
