// masterchain: the whole mastering chain as one element.
#pragma once

#include <gst/gst.h>

namespace lacquer::gst {

// Registers "masterchain" (a GstBin of the master* stage elements).
gboolean register_chain_element(GstPlugin* plugin);

}  // namespace lacquer::gst
