// The lacquer command on hostile files: truncated and lying WAV headers,
// absurd formats, files that are not audio, things that are not files, and a
// seeded batch of randomly corrupted copies of a valid WAV. Whatever the
// input, `lacquer master` and `lacquer analyze` end by exit(), never by a
// signal or a hang; when they refuse, they print exactly one line that names
// the file and leave the output directory empty (no OUT, no temporary file);
// when they accept, the output is complete: as many frames as the command
// measured in the input. A WAV whose data is shorter than its header declares
// is refused as truncated.
#include "cli_run.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

extern char** environ;

namespace {

using namespace lacquer::test;
namespace fs = std::filesystem;

constexpr int kRate = 44100;
// A hostile file must not make the command hang: far longer than any of
// these short files takes (about 0.5 s).
constexpr auto kTimeout = std::chrono::seconds(60);

// Byte offsets of the fields of a canonical 44-byte RIFF/WAVE header.
constexpr std::size_t kRiffSize = 4, kFmtSize = 16, kFormatTag = 20, kChannels = 22,
                      kSampleRate = 24, kBlockAlign = 32, kBitsPerSample = 34, kDataSize = 40,
                      kHeaderBytes = 44;

using Bytes = std::string;

// A valid 16-bit PCM stereo WAV of `seconds` of programme (tone and noise at
// about -20 dBFS), as bytes.
Bytes pcm_wav(double seconds) {
  const auto frames = static_cast<std::size_t>(seconds * kRate);
  const std::vector<float> tone = sine(kRate, 440.0, -20.0, frames);
  const std::vector<float> noise = white_noise(frames, -30.0, 5);
  Bytes data;
  for (std::size_t i = 0; i < frames; ++i) {
    for (const float x : {tone[i] + noise[i], tone[i] - noise[i]}) {
      const auto sample = static_cast<std::int16_t>(std::lround(x * 32767.0f));
      data.append(reinterpret_cast<const char*>(&sample), 2);
    }
  }
  auto u32 = [](std::uint32_t v) { return Bytes(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [](std::uint16_t v) { return Bytes(reinterpret_cast<const char*>(&v), 2); };
  const auto data_bytes = static_cast<std::uint32_t>(data.size());
  return "RIFF" + u32(36 + data_bytes) + "WAVEfmt " + u32(16) + u16(1) + u16(2) + u32(kRate) +
         u32(kRate * 4) + u16(4) + u16(16) + "data" + u32(data_bytes) + data;
}

Bytes with_u32(Bytes bytes, std::size_t offset, std::uint32_t value) {
  std::memcpy(bytes.data() + offset, &value, 4);
  return bytes;
}

Bytes with_u16(Bytes bytes, std::size_t offset, std::uint16_t value) {
  std::memcpy(bytes.data() + offset, &value, 2);
  return bytes;
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

Bytes random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes bytes(size, '\0');
  for (char& b : bytes) b = static_cast<char>(rng() & 0xff);
  return bytes;
}

struct Exit {
  bool signalled = false;
  bool timed_out = false;
  int code = -1;  // exit status when not signalled, the signal otherwise
  std::string out;
  std::string err;
};

// Runs the command directly (no shell in between, so a crash shows as the
// signal it is) with stdout and stderr in files of `scratch`; killed after
// kTimeout.
Exit run_lacquer(const std::vector<std::string>& args, const ScratchDir& scratch) {
  const std::string out = scratch / "cli.stdout";
  const std::string err = scratch / "cli.stderr";
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> words = {LACQUER_CLI};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, LACQUER_CLI, &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (spawned != 0) throw std::runtime_error("cannot start " + std::string(LACQUER_CLI));
  Exit result;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.signalled = WIFSIGNALED(status);
  result.code = result.signalled ? WTERMSIG(status) : WEXITSTATUS(status);
  result.out = read_text(out);
  result.err = read_text(err);
  fs::remove(out);
  fs::remove(err);
  return result;
}

long long json_frames(const std::string& json) {
  const auto at = json.find("\"frames\": ");
  return at == std::string::npos ? -1 : std::stoll(json.substr(at + 10));
}

int json_channels(const std::string& json) {
  const auto at = json.find("\"channels\": ");
  return at == std::string::npos ? -1 : std::stoi(json.substr(at + 12));
}

// Runs `lacquer analyze IN --json` and `lacquer master IN OUT` on `input` and
// holds both to the promise; returns whether master accepted the file. With
// `refusal_says`, both must refuse it with a line that says that.
bool check_command_on(const std::string& input, const ScratchDir& scratch,
                      const std::string& refusal_says = "") {
  const std::string out_dir = scratch / "out";
  fs::create_directories(out_dir);
  const std::string output = out_dir + "/out.wav";
  const std::string name = fs::path(input).filename().string();
  auto check_refusal = [&](const Exit& run) {
    BOOST_TEST(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    BOOST_TEST(run.err.rfind("lacquer: ", 0) == 0);
    BOOST_TEST(run.err.find(name) != std::string::npos);  // names the file
    BOOST_TEST(run.out.empty());
    if (!refusal_says.empty()) BOOST_TEST(run.err.find(refusal_says) != std::string::npos);
  };

  const Exit analyzed = run_lacquer({"analyze", input, "--json"}, scratch);
  BOOST_TEST_CONTEXT("lacquer analyze " << name << " --json\nstderr: " << analyzed.err) {
    BOOST_TEST(!analyzed.timed_out);
    BOOST_TEST(!analyzed.signalled, "killed by signal " << analyzed.code);
    if (!refusal_says.empty()) BOOST_TEST(analyzed.code != 0);
    if (!analyzed.signalled && analyzed.code != 0) check_refusal(analyzed);
  }

  const Exit mastered = run_lacquer({"master", input, output, "--quiet"}, scratch);
  BOOST_TEST_CONTEXT("lacquer master " << name << " OUT --quiet\nstderr: " << mastered.err) {
    BOOST_TEST(!mastered.timed_out);
    BOOST_TEST(!mastered.signalled, "killed by signal " << mastered.code);
    if (!refusal_says.empty()) BOOST_TEST(mastered.code != 0);
    if (mastered.signalled) {
      // Already failed; whatever it left is not judged further.
    } else if (mastered.code != 0) {
      check_refusal(mastered);
      BOOST_TEST(fs::is_empty(out_dir));
    } else {
      // Accepted: OUT alone, holding every frame the command read.
      std::vector<std::string> left;
      for (const auto& entry : fs::directory_iterator(out_dir)) {
        left.push_back(entry.path().filename().string());
      }
      BOOST_TEST(left == std::vector<std::string>{"out.wav"});
      BOOST_TEST(analyzed.code == 0);  // the same file was readable a moment ago
      const int channels = json_channels(analyzed.out);
      BOOST_TEST(channels > 0);
      if (channels > 0) {
        const Planar written = decode(output, channels);
        BOOST_TEST(static_cast<long long>(written.front().size()) == json_frames(analyzed.out));
      }
    }
  }
  fs::remove_all(out_dir);
  return mastered.code == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lacquer_hostile_files)

BOOST_AUTO_TEST_CASE(truncated_wav_is_refused_with_the_declared_and_the_present_length) {
  ScratchDir scratch;
  const std::string input = scratch / "cut.wav";
  const Bytes whole = pcm_wav(2.0);
  write_bytes(input, whole.substr(0, kHeaderBytes + (whole.size() - kHeaderBytes) * 2 / 5));
  check_command_on(input, scratch, "truncated");
  const Exit run = run_lacquer({"analyze", input}, scratch);
  BOOST_TEST(run.err == "lacquer: " + input +
                            ": truncated: the header declares 2.0 s, the file holds 0.8 s\n");

  // FLAC declares its length in STREAMINFO: cut to 40 %, it is refused too.
  const std::string flac = scratch / "whole.flac";
  capture("ffmpeg -v error -nostdin -i " + input + " -c:a flac " + flac);  // 0.8 s of it
  const Bytes flac_bytes = read_text(flac);
  BOOST_TEST_REQUIRE(flac_bytes.size() > 1000u);
  const std::string cut_flac = scratch / "cut.flac";
  write_bytes(cut_flac, flac_bytes.substr(0, flac_bytes.size() * 2 / 5));
  check_command_on(cut_flac, scratch, "truncated");
}

BOOST_AUTO_TEST_CASE(wav_headers_that_lie_or_break_give_one_line_or_a_complete_output) {
  ScratchDir scratch;
  const Bytes good = pcm_wav(1.0);
  const auto data_bytes = static_cast<std::uint32_t>(good.size() - kHeaderBytes);
  struct Case {
    std::string name;
    Bytes bytes;
    std::string refusal_says = {};  // empty: refusing and mastering are both fine
  };
  const std::vector<Case> cases = {
      {"header-cut-at-12", good.substr(0, 12)},
      {"header-cut-at-30", good.substr(0, 30)},
      {"header-cut-at-43", good.substr(0, 43)},
      {"data-cut-at-0-bytes", good.substr(0, kHeaderBytes), "truncated"},
      {"data-cut-at-1-byte", good.substr(0, kHeaderBytes + 1), "truncated"},
      {"empty-data-chunk", with_u32(with_u32(good.substr(0, kHeaderBytes), kDataSize, 0), kRiffSize, 36),
       "no audio"},
      {"riff-size-too-large", with_u32(good, kRiffSize, 36 + data_bytes + 1000000)},
      {"riff-size-too-small", with_u32(good, kRiffSize, 4)},
      {"riff-size-0", with_u32(good, kRiffSize, 0)},
      {"riff-size-ffffffff", with_u32(good, kRiffSize, 0xffffffffu)},
      {"fmt-size-too-large", with_u32(good, kFmtSize, 1000)},
      {"fmt-size-too-small", with_u32(good, kFmtSize, 8)},
      {"fmt-size-0", with_u32(good, kFmtSize, 0)},
      {"fmt-size-ffffffff", with_u32(good, kFmtSize, 0xffffffffu)},
      {"data-size-twice-the-data", with_u32(good, kDataSize, 2 * data_bytes), "truncated"},
      {"data-size-too-small", with_u32(good, kDataSize, data_bytes / 2)},
      {"data-size-0", with_u32(good, kDataSize, 0)},
      {"data-size-ffffffff", with_u32(good, kDataSize, 0xffffffffu)},
      {"channels-0", with_u16(good, kChannels, 0), "0 channels"},
      {"channels-9", with_u16(good, kChannels, 9), "channel count 9"},
      {"channels-65535", with_u16(good, kChannels, 65535), "channel count 65535"},
      {"rate-0", with_u32(good, kSampleRate, 0), "0 Hz"},
      {"rate-1", with_u32(good, kSampleRate, 1), "sample rate 1 Hz"},
      {"rate-4000000000", with_u32(good, kSampleRate, 4000000000u), "sample rate 4000000000 Hz"},
      {"bits-0", with_u16(good, kBitsPerSample, 0), "0 bits"},
      {"bits-7", with_u16(good, kBitsPerSample, 7), "7 bits"},
      {"bits-65535", with_u16(good, kBitsPerSample, 65535)},
      {"block-align-0", with_u16(good, kBlockAlign, 0), "blocks of 0 bytes"},
      {"format-tag-unknown", with_u16(good, kFormatTag, 0x1234), "format 4660"},
  };
  for (const Case& c : cases) {
    const std::string input = scratch / (c.name + ".wav");
    write_bytes(input, c.bytes);
    const bool accepted = check_command_on(input, scratch, c.refusal_says);
    BOOST_TEST_MESSAGE(c.name << ": " << (accepted ? "mastered" : "refused"));
  }
}

BOOST_AUTO_TEST_CASE(files_that_are_not_audio_and_things_that_are_not_files_give_one_line) {
  ScratchDir scratch;
  const std::string png_signature = "\x89PNG\r\n\x1a\n";
  const std::vector<std::pair<std::string, Bytes>> files = {
      {"empty.wav", ""},
      {"text.wav", "this is a text file, not audio\n"},
      {"image.wav", png_signature + random_bytes(2000, 1)},
      {"random.wav", random_bytes(64 * 1024, 2)},
      {"ogg-then-garbage.ogg", "OggS" + random_bytes(20000, 3)},
      {"flac-then-garbage.flac", "fLaC" + random_bytes(20000, 4)},
      {"riff-not-wave.wav", "RIFF" + Bytes("\x10\0\0\0", 4) + "AVI " + random_bytes(5000, 5)},
  };
  for (const auto& [name, bytes] : files) {
    const std::string input = scratch / name;
    write_bytes(input, bytes);
    BOOST_TEST(!check_command_on(input, scratch), name << " was mastered");
  }

  const std::string directory = scratch / "directory.wav";
  fs::create_directory(directory);
  BOOST_TEST(!check_command_on(directory, scratch));

  const std::string fifo = scratch / "fifo.wav";
  BOOST_TEST_REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
  BOOST_TEST(!check_command_on(fifo, scratch));

  BOOST_TEST(!check_command_on(scratch / "missing.wav", scratch));

  const std::string unreadable = scratch / "unreadable.wav";
  write_bytes(unreadable, pcm_wav(0.5));
  fs::permissions(unreadable, fs::perms::none);
  if (geteuid() == 0) {
    BOOST_TEST_MESSAGE("running as root: a file without read permission is readable; not checked");
  } else {
    BOOST_TEST(!check_command_on(unreadable, scratch));
  }
}

// Seeded: a failure names its mutant, and the same 100 run every time.
BOOST_AUTO_TEST_CASE(one_hundred_corrupted_copies_of_a_valid_wav_give_one_line_or_a_complete_output) {
  ScratchDir scratch;
  const Bytes good = pcm_wav(0.5);
  std::mt19937 rng(20261125);
  int accepted = 0;
  constexpr int kMutants = 100;
  for (int m = 0; m < kMutants; ++m) {
    Bytes bytes = good;
    std::string how;
    const int changes = 1 + int(rng() % 4);
    for (int k = 0; k < changes; ++k) {
      const auto kind = static_cast<unsigned>(rng() % 10);
      if (kind < 5) {  // a byte of the header
        const std::size_t at = rng() % kHeaderBytes;
        bytes[at] = static_cast<char>(rng() & 0xff);
        how += " header[" + std::to_string(at) + "]";
      } else if (kind < 8) {  // a run of bytes anywhere
        const std::size_t at = rng() % bytes.size();
        const std::size_t length = std::min<std::size_t>(1 + rng() % 64, bytes.size() - at);
        for (std::size_t i = at; i < at + length; ++i) bytes[i] = static_cast<char>(rng() & 0xff);
        how += " bytes[" + std::to_string(at) + "+" + std::to_string(length) + "]";
      } else {  // cut short
        bytes.resize(rng() % bytes.size());
        how += " cut at " + std::to_string(bytes.size());
      }
    }
    const std::string input = scratch / ("mutant-" + std::to_string(m) + ".wav");
    write_bytes(input, bytes);
    BOOST_TEST_CONTEXT("mutant " << m << ":" << how) {
      accepted += check_command_on(input, scratch) ? 1 : 0;
    }
    fs::remove(input);
  }
  BOOST_TEST_MESSAGE(accepted << " of " << kMutants << " mutants mastered, the rest refused");
}

BOOST_AUTO_TEST_SUITE_END()
