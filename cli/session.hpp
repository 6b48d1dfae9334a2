// The command's side of GStreamer: finding the lacquer plugin, running a
// pipeline to its end with a progress bar, and stopping cleanly on SIGINT.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>

namespace lacquer::cli {

// gst_init with the lacquer plugin of this build tree when the command runs
// from it (or when no installed plugin exists), the installed one otherwise.
// Returns false, with `error` set, when no master* element can be found.
bool init_gstreamer(int* argc, char*** argv, std::string& error);

// Set by SIGINT / SIGTERM; every pipeline run stops at the next bus poll.
bool interrupted() noexcept;
void install_interrupt_handlers();

struct RunOptions {
  std::string progress_label;  // empty: no progress bar
  // Called for every element message on the bus.
  std::function<void(const GstStructure*)> on_element_message;
};

struct RunResult {
  bool ok = false;
  bool interrupted = false;
  std::string error;           // the first error, readable
  double seconds = 0.0;        // wall-clock time of the run
  double media_seconds = 0.0;  // duration of the media processed
};

// Plays `pipeline` to EOS (or error / interrupt) and sets it back to NULL.
RunResult run_to_end(GstElement* pipeline, const RunOptions& options);

// Quotes a file name for gst_parse_launch.
std::string quoted(const std::string& text);

}  // namespace lacquer::cli
