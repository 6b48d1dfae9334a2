// Helper of bench/peers/norm.sh: writes the loudness-control test programme
// (tests/common/programme.hpp) as a float WAV, and measures a normaliser's
// output of it with the figures of issue 9, by libebur128 and the 16x
// reference true-peak meter (independent of every tool compared).
//
//   norm_programme write <rate> <minutes> <out.wav>
//   norm_programme measure <rate> <minutes> <target LUFS> <ceiling dBTP> <processed.wav>
//
// The processed file must be sample-aligned with the programme (both
// masternorm and ffmpeg's loudnorm keep alignment).
#include <ebur128.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numbers>
#include <string>

#include "programme.hpp"
#include "true_peak16.hpp"

using namespace lacquer;
using Kind = test::ProgrammeSegment::Kind;

namespace {

void put_u32(std::ofstream& out, std::uint32_t v) {
  out.write(reinterpret_cast<const char*>(&v), 4);
}
void put_u16(std::ofstream& out, std::uint16_t v) {
  out.write(reinterpret_cast<const char*>(&v), 2);
}

bool write_float_wav(const std::string& path, const test::Planar& audio, int rate) {
  std::ofstream out(path, std::ios::binary);
  const auto channels = std::uint16_t(audio.size());
  const auto frames = std::uint32_t(audio[0].size());
  const std::uint32_t bytes = frames * channels * 4u;
  out.write("RIFF", 4);
  put_u32(out, 36 + bytes);
  out.write("WAVEfmt ", 8);
  put_u32(out, 16);
  put_u16(out, 3);  // IEEE float
  put_u16(out, channels);
  put_u32(out, std::uint32_t(rate));
  put_u32(out, std::uint32_t(rate) * channels * 4u);
  put_u16(out, std::uint16_t(channels * 4));
  put_u16(out, 32);
  out.write("data", 4);
  put_u32(out, bytes);
  std::vector<float> interleaved(std::size_t(frames) * channels);
  for (std::size_t i = 0; i < frames; ++i) {
    for (std::size_t c = 0; c < channels; ++c) interleaved[i * channels + c] = audio[c][i];
  }
  out.write(reinterpret_cast<const char*>(interleaved.data()), std::streamsize(bytes));
  return bool(out);
}

// 32-bit float WAV (wavenc, ffmpeg pcm_f32le); empty on anything else.
test::Planar read_float_wav(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(file), {}};
  auto u16 = [&](std::size_t at) { return unsigned(bytes[at]) | unsigned(bytes[at + 1]) << 8; };
  auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  unsigned channels = 0, bits = 0;
  for (std::size_t at = 12; at + 8 <= bytes.size(); at += 8 + u32(at + 4) + (u32(at + 4) & 1u)) {
    const std::string id(bytes.begin() + long(at), bytes.begin() + long(at) + 4);
    if (id == "fmt ") {
      channels = u16(at + 10);
      bits = u16(at + 22);
    } else if (id == "data" && channels > 0 && bits == 32) {
      // ffmpeg may leave the size of a piped file open: read to the end.
      std::size_t size = u32(at + 4);
      if (size == 0 || size == 0xffffffffu || at + 8 + size > bytes.size())
        size = bytes.size() - at - 8;
      const std::size_t frames = size / (4u * channels);
      test::Planar audio(channels, std::vector<float>(frames));
      const auto* samples = reinterpret_cast<const float*>(bytes.data() + at + 8);
      for (std::size_t i = 0; i < frames; ++i) {
        for (unsigned c = 0; c < channels; ++c) audio[c][i] = samples[i * channels + c];
      }
      return audio;
    }
  }
  return {};
}

bool window_touches_pause(const test::Programme& p, long long begin, long long end) {
  if (begin < 0 || end > (long long)p.audio[0].size()) return true;
  for (const auto& s : p.segments) {
    if (s.kind == Kind::pause && (long long)s.end > begin && (long long)s.begin < end) return true;
  }
  return false;
}

bool window_inside_pause(const test::Programme& p, long long begin, long long end) {
  for (const auto& s : p.segments) {
    if (s.kind == Kind::pause && (long long)s.begin <= begin && end <= (long long)s.end)
      return true;
  }
  return false;
}

int measure(int rate, double minutes, double target, double ceiling, const std::string& path) {
  const test::Programme p = test::make_programme(rate, minutes);
  const test::Planar out = read_float_wav(path);
  if (out.size() != 2) {
    std::fprintf(stderr, "%s: not a stereo float WAV\n", path.c_str());
    return 1;
  }
  const std::size_t frames = std::min(out[0].size(), p.audio[0].size());
  const auto hop = std::size_t(rate / 10);
  ebur128_state* st = ebur128_init(2, unsigned(rate), EBUR128_MODE_S | EBUR128_MODE_I);
  std::vector<float> interleaved(2 * hop);
  long points = 0, within = 0;
  double loudest_pause = -HUGE_VAL;
  for (std::size_t at = 0; at + hop <= frames; at += hop) {
    for (std::size_t i = 0; i < hop; ++i) {
      interleaved[2 * i] = out[0][at + i];
      interleaved[2 * i + 1] = out[1][at + i];
    }
    ebur128_add_frames_float(st, interleaved.data(), hop);
    const auto end = (long long)(at + hop);
    if (end >= 10LL * rate && !window_touches_pause(p, end - 3LL * rate, end)) {
      double s = -HUGE_VAL;
      ebur128_loudness_shortterm(st, &s);
      ++points;
      within += std::fabs(s - target) <= 2.0 ? 1 : 0;
    }
    if (window_inside_pause(p, end - (long long)(0.45 * rate), end)) {
      double m = -HUGE_VAL;
      ebur128_loudness_momentary(st, &m);
      loudest_pause = std::max(loudest_pause, m);
    }
  }
  double integrated = -HUGE_VAL;
  ebur128_loudness_global(st, &integrated);
  ebur128_destroy(&st);
  // 16x true peak of the 100 ms chunks within 6 dB of the ceiling (sample
  // peak), with faded context so the cut edges do not ring.
  const test::TruePeak16 meter;
  double true_peak = -HUGE_VAL;
  const double screen = test::db_to_linear(ceiling - 6.0);
  for (const auto& channel : out) {
    for (std::size_t begin = 0; begin < channel.size(); begin += hop) {
      const std::size_t stop = std::min(channel.size(), begin + hop);
      double sample_peak = 0.0;
      for (std::size_t i = begin; i < stop; ++i)
        sample_peak = std::max(sample_peak, double(std::fabs(channel[i])));
      if (sample_peak < screen) continue;
      const std::size_t from = begin >= 256 ? begin - 256 : 0;
      const std::size_t to = std::min(channel.size(), stop + 256);
      std::vector<float> piece(channel.begin() + long(from), channel.begin() + long(to));
      for (std::size_t i = 0; i < 128 && i < piece.size(); ++i) {
        const auto w = float(0.5 - 0.5 * std::cos(std::numbers::pi * double(i) / 128.0));
        if (from > 0) piece[i] *= w;
        if (to < channel.size()) piece[piece.size() - 1 - i] *= w;
      }
      true_peak = std::max(true_peak, meter.peak_db(piece));
    }
  }
  std::printf(
      "integrated %+.2f LU from target | short-term within 2 LU %.1f %% | true peak %.2f dBTP "
      "| loudest pause %.1f LUFS | length %+lld frames\n",
      integrated - target, 100.0 * double(within) / double(std::max(1L, points)), true_peak,
      loudest_pause, (long long)out[0].size() - (long long)p.audio[0].size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "write" && argc == 5) {
    const int rate = std::atoi(argv[2]);
    const test::Programme p = test::make_programme(rate, std::atof(argv[3]));
    return write_float_wav(argv[4], p.audio, rate) ? 0 : 1;
  }
  if (mode == "measure" && argc == 7) {
    return measure(std::atoi(argv[2]), std::atof(argv[3]), std::atof(argv[4]), std::atof(argv[5]),
                   argv[6]);
  }
  std::fprintf(
      stderr,
      "usage: norm_programme write <rate> <minutes> <out.wav>\n"
      "       norm_programme measure <rate> <minutes> <target> <ceiling> <processed.wav>\n");
  return 2;
}
