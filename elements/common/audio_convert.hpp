// Conversion between GStreamer's sample formats and the planar float the dsp
// library works in. The element picks one reader and one writer when the caps
// are set, so the streaming path never branches on format.
#pragma once

#include <gst/audio/audio.h>

namespace lacquer::gst {

// Reads `frames` frames starting at `offset` of a mapped buffer into planar float.
using ReadFn = void (*)(const GstAudioBuffer& buffer, int offset, int frames, float* const* out);
// Writes planar float into a mapped buffer at `offset`.
using WriteFn = void (*)(const float* const* in, int offset, int frames, GstAudioBuffer& buffer);

// nullptr for a format or layout the faces do not handle.
ReadFn pick_reader(GstAudioFormat format, GstAudioLayout layout) noexcept;
WriteFn pick_writer(GstAudioFormat format, GstAudioLayout layout) noexcept;

}  // namespace lacquer::gst
