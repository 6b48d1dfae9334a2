// libFuzzer target for the command line of `lacquer`: the input is split at
// NUL bytes into the words after the program name and read by the same
// parse_command_line() that main() calls. The first byte says which encoders
// the installation has and whether it draws reports.
//
// Checks: a command that parses is one the rest of the program can run (two
// files, a known format and preset, target, ceiling and rate in range), and an
// error gives status 1 or 2.
#include "cli/arguments.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace lacquer;

constexpr std::size_t kMaxWords = 64;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz-cli-arguments: %s\n", what);
  std::abort();
}

void check(const cli::MasterCommand& c) {
  if (c.format == nullptr || c.genre == nullptr) fail("master without a format or a preset");
  if (cli::output_format_for(c.output) != c.format) fail("format is not the output's");
  const bool named = presets::find_target(c.target_name) != nullptr;
  if (!named && !(c.target_lufs >= -40.0 && c.target_lufs <= -5.0)) fail("target out of range");
  if (!(c.ceiling_dbtp >= -20.0 && c.ceiling_dbtp <= 0.0)) fail("ceiling out of range");
  if (c.rate != 0 && (c.rate < 22050 || c.rate > 192000)) fail("rate out of range");
  if (c.sample_format == cli::SampleFormat::f32 && c.format->integer_only && !c.format->lossy) {
    fail("float samples for an integer-only format");
  }
  if (!c.report_path.empty() && c.report_path.size() < 4) fail("report without .png");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 1; i < size && words.size() < kMaxWords; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  if (!word.empty() && words.size() < kMaxWords) words.push_back(word);

  cli::Installation installation;
  installation.has_element = [flags](std::string_view factory) {
    // A different subset of encoders for each value of the low bits.
    return (flags & 1u) == 0 || (std::hash<std::string_view>{}(factory) >> (flags & 7u)) % 2 == 0;
  };
  installation.reports_available = (flags & 8u) != 0;

  const cli::Command command = cli::parse_command_line(words, installation);
  if (const auto* master = std::get_if<cli::MasterCommand>(&command)) {
    check(*master);
    if (!installation.has_element(master->format->factory)) fail("encoder not installed");
    if (!master->report_path.empty() && !installation.reports_available) fail("no reports here");
  } else if (const auto* analyze = std::get_if<cli::AnalyzeCommand>(&command)) {
    if (analyze->input.empty()) fail("analyze without an input");
  } else if (const auto* error = std::get_if<cli::CommandLineError>(&command)) {
    if (error->exit_code != cli::kExitBadUsage && error->exit_code != cli::kExitFailed) {
      fail("an error with an unexpected exit status");
    }
  }
  return 0;
}
