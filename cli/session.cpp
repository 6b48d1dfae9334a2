#include "session.hpp"

#include <gst/audio/audio.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace lacquer::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

// Far longer than any pipeline of the command takes to start playing.
constexpr double kStartTimeoutSeconds = 20.0;

extern "C" void on_interrupt(int /*signal*/) { g_interrupted = 1; }

bool is_inside(const std::filesystem::path& path, const std::filesystem::path& root) {
  std::error_code ec;
  const auto canonical_root = std::filesystem::weakly_canonical(root, ec);
  if (ec) return false;
  for (auto p = path; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    if (p == canonical_root) return true;
  }
  return false;
}

std::string clock_text(double seconds) {
  const auto total = static_cast<long>(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

void draw_progress(const std::string& label, double done_s, double total_s, double wall_s) {
  constexpr int kWidth = 30;
  const double fraction = total_s > 0.0 ? std::min(done_s / total_s, 1.0) : 0.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double speed = wall_s > 0.0 ? done_s / wall_s : 0.0;
  std::fprintf(stderr, "\r%-10s [%s] %s / %s  %5.1fx realtime ", label.c_str(), bar.c_str(),
               clock_text(done_s).c_str(), clock_text(total_s).c_str(), speed);
  std::fflush(stderr);
}

}  // namespace

bool init_gstreamer(int* argc, char*** argv, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path build_plugins = LACQUER_BUILD_PLUGIN_DIR;
  const fs::path installed_plugin = fs::path(LACQUER_INSTALLED_PLUGIN_DIR) / "libgstlacquer.so";
  const bool from_build_tree = !ec && is_inside(exe, LACQUER_BUILD_ROOT);
  if (fs::exists(build_plugins, ec) && (from_build_tree || !fs::exists(installed_plugin, ec))) {
    std::string path = build_plugins.string();
    if (const char* old = std::getenv("GST_PLUGIN_PATH"); old != nullptr && *old != '\0') {
      path.append(":").append(old);
    }
    setenv("GST_PLUGIN_PATH", path.c_str(), 1);
  }
  GError* gerror = nullptr;
  if (!gst_init_check(argc, argv, &gerror)) {
    error = gerror != nullptr ? gerror->message : "GStreamer failed to initialise";
    g_clear_error(&gerror);
    return false;
  }
  GstElementFactory* factory = gst_element_factory_find("masterlimiter");
  if (factory == nullptr) {
    error = "the lacquer GStreamer plugin (masterlimiter) is not installed";
    return false;
  }
  gst_object_unref(factory);
  return true;
}

bool interrupted() noexcept { return g_interrupted != 0; }

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::string quoted(const std::string& text) {
  std::string result = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') result += '\\';
    result += c;
  }
  return result + "\"";
}

RunResult run_to_end(GstElement* pipeline, const RunOptions& options) {
  RunResult result;
  const bool show_progress = !options.progress_label.empty() && isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  GstBus* bus = gst_element_get_bus(pipeline);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The error message on the bus says why; fall through and read it.
  }
  gint64 duration = -1;
  gint64 position = 0;
  bool started = false;  // the pipeline reached PLAYING
  bool done = false;
  while (!done) {
    if (interrupted()) {
      result.interrupted = true;
      result.error = "interrupted";
      break;
    }
    GstMessage* message = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
    if (message == nullptr) {
      // A demuxer that finds no stream in a damaged file can stop without
      // posting an error or EOS, leaving the pipeline paused for good.
      if (!started) {
        GstState state = GST_STATE_VOID_PENDING;
        gst_element_get_state(pipeline, &state, nullptr, 0);
        started = state == GST_STATE_PLAYING;
        if (!started && wall() > kStartTimeoutSeconds) {
          result.error = "no audio stream found (decoding stalled)";
          break;
        }
      }
      if (show_progress) {
        if (duration <= 0) gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration);
        gst_element_query_position(pipeline, GST_FORMAT_TIME, &position);
        if (duration > 0 && position >= 0) {
          draw_progress(options.progress_label, double(position) / GST_SECOND,
                        double(duration) / GST_SECOND, wall());
        }
      }
      continue;
    }
    switch (GST_MESSAGE_TYPE(message)) {
      case GST_MESSAGE_EOS:
        result.ok = true;
        done = true;
        break;
      case GST_MESSAGE_ERROR: {
        GError* gerror = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(message, &gerror, &debug);
        result.error = gerror != nullptr ? gerror->message : "unknown GStreamer error";
        if (std::getenv("LACQUER_DEBUG") != nullptr && debug != nullptr) {
          std::fprintf(stderr, "lacquer: debug: %s\n", debug);
        }
        g_clear_error(&gerror);
        g_free(debug);
        done = true;
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (options.on_element_message) {
          if (const GstStructure* s = gst_message_get_structure(message)) {
            options.on_element_message(s);
          }
        }
        break;
      default:
        break;
    }
    gst_message_unref(message);
  }
  if (gst_element_query_duration(pipeline, GST_FORMAT_TIME, &duration) && duration > 0) {
    result.media_seconds = double(duration) / GST_SECOND;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  result.seconds = wall();
  if (show_progress) {
    if (result.ok) {
      draw_progress(options.progress_label, result.media_seconds, result.media_seconds,
                    result.seconds);
    }
    std::fprintf(stderr, "\n");
  }
  return result;
}

}  // namespace lacquer::cli
