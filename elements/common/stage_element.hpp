// The generic GStreamer face of a dsp stage: one GstAudioFilter subclass per
// stage, built from the stage's parameter table.
//
// - Each top-level control becomes a controllable property (unit, range and
//   default from the table); triggers become action signals; bands become
//   GstChildProxy children ("band1::gain").
// - `bypass` crossfades to the input delayed by the latency.
// - The LATENCY query adds the stage's latency; output buffers carry the
//   timestamps of the samples they hold: the first `latency` frames are
//   dropped and the tail is drained at EOS, so a file keeps its exact length
//   and alignment. FLUSH resets the stage.
// - Meters are posted as element messages named after the element every
//   `interval`, and once more at EOS.
#pragma once

#include <gst/gst.h>

#include <lacquer/dsp/registry.hpp>

namespace lacquer::gst {

// Registers the element "master<symbol>".
gboolean register_stage_element(GstPlugin* plugin, const dsp::StageEntry& entry);

}  // namespace lacquer::gst
