#include "audio_convert.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace lacquer::gst {
namespace {

// Integer <-> float follows GStreamer's audioconvert: full scale is 2^(bits-1),
// and writing rounds to nearest and saturates.
struct S24 {  // packed little-endian 24-bit, output only
  std::uint8_t b[3];
};

inline float to_float(float x) noexcept { return x; }
inline float to_float(double x) noexcept { return static_cast<float>(x); }
inline float to_float(std::int16_t x) noexcept { return static_cast<float>(x) * (1.0f / 32768.0f); }
inline float to_float(std::int32_t x) noexcept {
  return static_cast<float>(static_cast<double>(x) * (1.0 / 2147483648.0));
}

template <typename T>
T from_float(float x) noexcept;
template <>
float from_float<float>(float x) noexcept { return x; }
template <>
double from_float<double>(float x) noexcept { return x; }
template <>
std::int16_t from_float<std::int16_t>(float x) noexcept {
  return static_cast<std::int16_t>(std::lrint(std::clamp(x * 32768.0f, -32768.0f, 32767.0f)));
}
template <>
std::int32_t from_float<std::int32_t>(float x) noexcept {
  const double v = std::clamp(static_cast<double>(x) * 2147483648.0, -2147483648.0, 2147483647.0);
  return static_cast<std::int32_t>(std::llrint(v));
}
template <>
S24 from_float<S24>(float x) noexcept {
  const double v = std::clamp(static_cast<double>(x) * 8388608.0, -8388608.0, 8388607.0);
  const auto i = static_cast<std::uint32_t>(static_cast<std::int32_t>(std::llrint(v)));
  return S24{{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8),
              static_cast<std::uint8_t>(i >> 16)}};
}

template <typename T>
void read_interleaved(const GstAudioBuffer& buffer, int offset, int frames, float* const* out) {
  const int channels = GST_AUDIO_INFO_CHANNELS(&buffer.info);
  const T* in = static_cast<const T*>(buffer.planes[0]) + std::ptrdiff_t(offset) * channels;
  for (int c = 0; c < channels; ++c) {
    float* dst = out[c];
    for (int i = 0; i < frames; ++i) dst[i] = to_float(in[i * channels + c]);
  }
}

template <typename T>
void read_planar(const GstAudioBuffer& buffer, int offset, int frames, float* const* out) {
  const int channels = GST_AUDIO_INFO_CHANNELS(&buffer.info);
  for (int c = 0; c < channels; ++c) {
    const T* in = static_cast<const T*>(buffer.planes[c]) + offset;
    float* dst = out[c];
    for (int i = 0; i < frames; ++i) dst[i] = to_float(in[i]);
  }
}

template <typename T>
void write_interleaved(const float* const* in, int offset, int frames, GstAudioBuffer& buffer) {
  const int channels = GST_AUDIO_INFO_CHANNELS(&buffer.info);
  T* out = static_cast<T*>(buffer.planes[0]) + std::ptrdiff_t(offset) * channels;
  for (int c = 0; c < channels; ++c) {
    const float* src = in[c];
    for (int i = 0; i < frames; ++i) out[i * channels + c] = from_float<T>(src[i]);
  }
}

template <typename T>
void write_planar(const float* const* in, int offset, int frames, GstAudioBuffer& buffer) {
  const int channels = GST_AUDIO_INFO_CHANNELS(&buffer.info);
  for (int c = 0; c < channels; ++c) {
    T* out = static_cast<T*>(buffer.planes[c]) + offset;
    const float* src = in[c];
    for (int i = 0; i < frames; ++i) out[i] = from_float<T>(src[i]);
  }
}

template <typename T>
ReadFn reader(GstAudioLayout layout) {
  return layout == GST_AUDIO_LAYOUT_INTERLEAVED ? &read_interleaved<T> : &read_planar<T>;
}
template <typename T>
WriteFn writer(GstAudioLayout layout) {
  return layout == GST_AUDIO_LAYOUT_INTERLEAVED ? &write_interleaved<T> : &write_planar<T>;
}

}  // namespace

ReadFn pick_reader(GstAudioFormat format, GstAudioLayout layout) noexcept {
  switch (format) {
    case GST_AUDIO_FORMAT_F32LE: return reader<float>(layout);
    case GST_AUDIO_FORMAT_F64LE: return reader<double>(layout);
    case GST_AUDIO_FORMAT_S16LE: return reader<std::int16_t>(layout);
    case GST_AUDIO_FORMAT_S32LE: return reader<std::int32_t>(layout);
    default: return nullptr;
  }
}

WriteFn pick_writer(GstAudioFormat format, GstAudioLayout layout) noexcept {
  switch (format) {
    case GST_AUDIO_FORMAT_F32LE: return writer<float>(layout);
    case GST_AUDIO_FORMAT_F64LE: return writer<double>(layout);
    case GST_AUDIO_FORMAT_S16LE: return writer<std::int16_t>(layout);
    case GST_AUDIO_FORMAT_S24LE: return writer<S24>(layout);
    case GST_AUDIO_FORMAT_S32LE: return writer<std::int32_t>(layout);
    default: return nullptr;
  }
}

}  // namespace lacquer::gst
