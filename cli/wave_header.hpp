// What a RIFF/WAVE header says, read without decoding, for two things
// GStreamer cannot tell the command:
// - the length the header declares: wavparse trims a data chunk that runs
//   past the end of the file to what is there, so a truncated WAV decodes as
//   a shorter, valid one, and the header is the only witness of what is
//   missing;
// - why a WAV did not decode, in the header's own terms ("0 channels"),
//   where wavparse only reports a general stream error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

namespace lacquer::cli {

struct WaveHeader {
  bool has_format = false;  // a complete "fmt " chunk was read
  std::uint16_t format_tag = 0;  // the sub-format's for WAVE_FORMAT_EXTENSIBLE
  std::uint16_t channels = 0;
  std::uint32_t rate = 0;
  std::uint16_t block_align = 0;
  std::uint16_t bits = 0;
  std::optional<std::uint32_t> data_bytes;  // the data chunk's declared size

  // PCM, IEEE float, A-law, mu-law: one block is one frame.
  bool frames_are_blocks() const {
    return format_tag == 1 || format_tag == 3 || format_tag == 6 || format_tag == 7;
  }
};

struct WaveLength {
  long long frames = 0;
  std::uint32_t rate = 0;
  double seconds() const { return rate > 0 ? double(frames) / rate : 0.0; }
};

// The chunks of a RIFF/WAVE file up to "data"; nullopt when `path` is not one.
inline std::optional<WaveHeader> read_wave_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char riff[12];
  if (!in.read(riff, sizeof riff) || std::memcmp(riff, "RIFF", 4) != 0 ||
      std::memcmp(riff + 8, "WAVE", 4) != 0) {
    return std::nullopt;
  }
  auto u16 = [](const unsigned char* p) { return std::uint16_t(p[0] | p[1] << 8); };
  auto u32 = [](const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
  };
  WaveHeader header;
  unsigned char chunk[8];
  // Chunks in order until "data"; a size that points past the end ends the walk.
  while (in.read(reinterpret_cast<char*>(chunk), sizeof chunk)) {
    const std::uint32_t size = u32(chunk + 4);
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      unsigned char fmt[26] = {};
      const auto wanted = static_cast<std::streamsize>(std::min<std::uint32_t>(size, sizeof fmt));
      if (size < 16 || !in.read(reinterpret_cast<char*>(fmt), wanted)) return header;
      header.has_format = true;
      header.format_tag = u16(fmt);
      if (header.format_tag == 0xfffe && size >= 26) header.format_tag = u16(fmt + 24);
      header.channels = u16(fmt + 2);
      header.rate = u32(fmt + 4);
      header.block_align = u16(fmt + 12);
      header.bits = u16(fmt + 14);
      in.seekg(std::streamoff(size) - wanted + (size & 1u), std::ios::cur);
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      header.data_bytes = size;
      return header;
    } else {
      in.seekg(std::streamoff(size) + (size & 1u), std::ios::cur);
    }
  }
  return header;
}

// The length the header declares, for PCM-like formats; nullopt for anything
// else, and for a data size of 0 or 0xFFFFFFFF, which streaming writers use
// for "unknown, read to the end".
inline std::optional<WaveLength> declared_wave_length(const std::string& path) {
  const auto header = read_wave_header(path);
  if (!header || !header->has_format || !header->frames_are_blocks() ||
      header->block_align == 0 || header->rate == 0 || !header->data_bytes ||
      *header->data_bytes == 0 || *header->data_bytes == 0xffffffffu) {
    return std::nullopt;
  }
  return WaveLength{static_cast<long long>(*header->data_bytes / header->block_align),
                    header->rate};
}

// What is plainly wrong with a WAV header, in its own terms; nullopt when
// nothing is.
inline std::optional<std::string> wave_header_problem(const WaveHeader& header) {
  if (!header.has_format) return "WAV header without a readable format (fmt) chunk";
  if (!header.data_bytes) return "WAV header without a data chunk";
  const std::string declares = "the WAV header declares ";
  if (header.channels == 0) return declares + "0 channels";
  if (header.rate == 0) return declares + "a sample rate of 0 Hz";
  if (!header.frames_are_blocks()) {
    return declares + "format " + std::to_string(header.format_tag) +
           ", not PCM or float samples";
  }
  if (header.bits == 0 || header.bits % 8 != 0 || header.bits > 64) {
    return declares + std::to_string(header.bits) + " bits per sample";
  }
  const unsigned frame_bytes = unsigned(header.channels) * header.bits / 8u;
  if (header.block_align != frame_bytes) {
    return declares + "blocks of " + std::to_string(header.block_align) + " bytes for " +
           std::to_string(header.channels) + " channels of " + std::to_string(header.bits) +
           " bits";
  }
  return std::nullopt;
}

}  // namespace lacquer::cli
