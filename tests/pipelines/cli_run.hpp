// Running the lacquer command and the independent tools that check its work:
// ffmpeg decodes (so MP3 / AAC outputs are judged after decoding) and
// measures BS.1770 loudness; true_peak16.hpp measures true peak.
#pragma once

#include "signals.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef LACQUER_CLI
#error "LACQUER_CLI must name the lacquer executable"
#endif
#ifndef LACQUER_SOURCE_ROOT
#error "LACQUER_SOURCE_ROOT must name the source directory"
#endif

namespace lacquer::test {

inline std::string demo_mix() { return std::string(LACQUER_SOURCE_ROOT) + "/data/demo-mix.flac"; }

// A fresh empty directory, removed with everything in it at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lacquer-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `lacquer <args>` (arguments are shell words: keep paths free of spaces
// and quotes); stdout and stderr are captured in files of `scratch`.
inline CliResult run_cli(const std::string& args, const ScratchDir& scratch) {
  const std::string out = scratch / "cli.stdout";
  const std::string err = scratch / "cli.stderr";
  const std::string command =
      std::string(LACQUER_CLI) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out);
  result.err = read_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

inline std::string capture(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  pclose(pipe);
  return text;
}

// Any file ffmpeg can read, decoded to planar float at its own rate.
inline Planar decode(const std::string& path, int channels = 2) {
  const std::string raw = capture("ffmpeg -v error -nostdin -i " + path + " -f f32le -ac " +
                                  std::to_string(channels) + " -acodec pcm_f32le -");
  const std::size_t frames = raw.size() / sizeof(float) / std::size_t(channels);
  Planar audio(static_cast<std::size_t>(channels), std::vector<float>(frames));
  const auto* samples = reinterpret_cast<const float*>(raw.data());
  for (std::size_t f = 0; f < frames; ++f) {
    for (std::size_t c = 0; c < std::size_t(channels); ++c) {
      audio[c][f] = samples[f * std::size_t(channels) + c];
    }
  }
  return audio;
}

// Integrated loudness as ffmpeg's ebur128 filter measures it (its last
// lavfi.r128.I value, printed with three decimals).
inline double ffmpeg_integrated_lufs(const std::string& path) {
  const std::string log = capture("ffmpeg -v error -nostdin -i " + path +
                                  " -af ebur128=metadata=1,ametadata=print:key=lavfi.r128.I:file=-"
                                  " -f null - 2>/dev/null");
  const auto at = log.rfind("lavfi.r128.I=");
  if (at == std::string::npos) throw std::runtime_error("ffmpeg measured nothing in " + path);
  return std::stod(log.substr(at + 13));
}

// 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT).
inline void write_wav(const std::string& path, const Planar& audio, int rate) {
  const auto channels = static_cast<std::uint16_t>(audio.size());
  const auto frames = static_cast<std::uint32_t>(audio.front().size());
  const std::uint32_t data_bytes = frames * channels * 4u;
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  out.write("RIFF", 4);
  u32(36 + data_bytes);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(3);
  u16(channels);
  u32(std::uint32_t(rate));
  u32(std::uint32_t(rate) * channels * 4u);
  u16(std::uint16_t(channels * 4u));
  u16(32);
  out.write("data", 4);
  u32(data_bytes);
  for (std::uint32_t f = 0; f < frames; ++f) {
    for (std::uint16_t c = 0; c < channels; ++c) out.write(reinterpret_cast<const char*>(&audio[c][f]), 4);
  }
}

}  // namespace lacquer::test
