// The `lacquer` GStreamer plugin: one element per dsp stage, registered from
// the stage table. Nothing else happens here.
#include "chain_element.hpp"
#include "common/stage_element.hpp"

#include <lacquer/dsp/registry.hpp>

#ifndef PACKAGE
#define PACKAGE "lacquer"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  gboolean ok = TRUE;
  for (const lacquer::dsp::StageEntry& entry : lacquer::dsp::stages()) {
    ok = lacquer::gst::register_stage_element(plugin, entry) && ok;
  }
  ok = lacquer::gst::register_chain_element(plugin) && ok;
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, lacquer,
                  "Lacquer mastering suite: EQ, dynamics, imaging, true-peak limiting, "
                  "dither and EBU R128 loudness",
                  plugin_init, LACQUER_VERSION, "LGPL", "Lacquer", "https://lacquer.invalid")
