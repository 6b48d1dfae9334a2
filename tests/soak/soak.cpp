// lacquer-soak: hours of radio-like programme through
//
//   appsrc ! masterchain preset=pop ! masternorm speed=radio ! appsink
//
// as fast as the machine goes, checking all the way that every output
// buffer's timestamp is exactly the frames already out (no drift), that the
// output has as many frames as the input at EOS, that resident memory does
// not grow once warmed up, and that the normaliser holds the target: the
// integrated loudness of every period within +-0.5 LU, and the share of
// short-term readings within +-2 LU. One line per period, a summary, and a
// non-zero exit status on any failure.
//
//   lacquer-soak --hours 24                 (scripts/soak)
//   lacquer-soak --minutes 25 --period-minutes 5
//
// The programme (tests/common/programme.hpp: music, speech and tone items at
// -32 to -8 LUFS, pauses between some) is generated one item at a time while
// the pipeline runs, in this thread; the pipeline runs in its own.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "../common/gst_run.hpp"
#include "../common/programme.hpp"
#include "soak_checks.hpp"

namespace lacquer::soak {
namespace {

constexpr int kRate = 48000;
constexpr int kChannels = 2;
// Buffer sizes in turn: odd ones make every timestamp a rounded one.
constexpr std::size_t kBlocks[] = {1024, 441, 4096, 2205, 480};
constexpr double kQueuedSeconds = 10.0;  // most audio waiting in appsrc

struct Options {
  double minutes = 24 * 60.0;
  double period_minutes = 60.0;
  int warmup_periods = 1;  // resident memory is judged from the end of these on
  std::string preset = "pop";
  std::string speed = "radio";
  double target_lufs = -23.0;
  std::uint32_t seed = 9;
  double memory_tolerance_mib = 1.0;
  double integrated_tolerance_lu = 0.5;
  double short_term_min_fraction = 0.95;  // what tests/dsp/test_norm.cpp holds the stage to
};

void usage() {
  std::puts(
      "usage: lacquer-soak [--hours H | --minutes M] [--period-minutes P] [--warmup-periods N]\n"
      "                    [--preset NAME] [--speed broadcast|radio] [--target LUFS] [--seed S]\n"
      "defaults: 24 hours, 60-minute periods, 1 warm-up period, preset pop, speed radio,\n"
      "target -23 LUFS.");
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return std::nullopt;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "lacquer-soak: %s needs a value\n", arg.c_str());
      return std::nullopt;
    }
    const char* value = argv[++i];
    if (arg == "--hours") {
      o.minutes = 60.0 * std::atof(value);
    } else if (arg == "--minutes") {
      o.minutes = std::atof(value);
    } else if (arg == "--period-minutes") {
      o.period_minutes = std::atof(value);
    } else if (arg == "--warmup-periods") {
      o.warmup_periods = std::atoi(value);
    } else if (arg == "--preset") {
      o.preset = value;
    } else if (arg == "--speed") {
      o.speed = value;
    } else if (arg == "--target") {
      o.target_lufs = std::atof(value);
    } else if (arg == "--seed") {
      o.seed = std::uint32_t(std::strtoul(value, nullptr, 10));
    } else {
      std::fprintf(stderr, "lacquer-soak: unknown option %s\n", arg.c_str());
      return std::nullopt;
    }
  }
  if (!(o.minutes > 0.0) || !(o.period_minutes >= 0.1) || o.warmup_periods < 0) {
    std::fputs("lacquer-soak: the run and the period must be positive\n", stderr);
    return std::nullopt;
  }
  return o;
}

std::string clock_text(double seconds) {
  const auto s = static_cast<long>(std::llround(seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

// The programme, interleaved, generated an item at a time. The item store is
// reserved and touched once for the longest item and its pause, so it adds
// nothing to resident memory as the run goes on.
class ProgrammeFeed {
 public:
  ProgrammeFeed(std::uint32_t seed, std::size_t total_frames, PauseMap& pauses)
      : generator_(kRate, seed), total_(total_frames), pauses_(pauses) {
    const auto longest = std::size_t(kLongestItemS * kRate);
    item_.assign(kChannels, std::vector<float>(longest, 0.0f));
    for (auto& channel : item_) channel.clear();
  }

  std::size_t remaining() const noexcept { return total_ - generator_.position() + unread(); }

  // Writes the next `frames` frames (at most remaining()).
  void read(float* interleaved, std::size_t frames) {
    for (std::size_t done = 0; done < frames;) {
      if (unread() == 0) refill();
      const std::size_t n = std::min(frames - done, unread());
      for (std::size_t i = 0; i < n; ++i) {
        interleaved[2 * (done + i)] = item_[0][read_ + i];
        interleaved[2 * (done + i) + 1] = item_[1][read_ + i];
      }
      read_ += n;
      done += n;
    }
  }

 private:
  static constexpr double kLongestItemS = 70.0;  // an item of 60 s, a pause of 10 s

  std::size_t unread() const noexcept { return item_[0].size() - read_; }

  void refill() {
    for (auto& channel : item_) channel.clear();
    segments_.clear();
    read_ = 0;
    generator_.next(total_ - generator_.position(), item_, segments_);
    for (const test::ProgrammeSegment& s : segments_) {
      if (s.kind == test::ProgrammeSegment::Kind::pause) pauses_.add(s.begin, s.end);
    }
  }

  test::ProgrammeGenerator generator_;
  std::size_t total_;
  PauseMap& pauses_;
  test::Planar item_;
  std::vector<test::ProgrammeSegment> segments_;
  std::size_t read_ = 0;
};

// Resident memory at the end of each period of input, sampled by the thread
// that feeds the pipeline between buffers (when none of the generator's
// temporary item buffers is alive).
class MemoryLog {
 public:
  explicit MemoryLog(std::size_t periods) : mib_(periods, -1.0) {}
  void record(std::size_t period, double mib) {
    const std::lock_guard lock(mutex_);
    if (period < mib_.size()) mib_[period] = mib;
  }
  double at(std::size_t period) {
    const std::lock_guard lock(mutex_);
    return period < mib_.size() ? mib_[period] : -1.0;
  }

 private:
  std::mutex mutex_;
  std::vector<double> mib_;  // -1 until sampled
};

// The output side: called for every buffer that reaches the appsink, in the
// streaming thread, and once more at the end from the main thread.
class SoakMonitor {
 public:
  SoakMonitor(const Options& options, std::size_t period_frames, std::size_t periods,
              PauseMap& pauses, MemoryLog& memory)
      : options_(options),
        period_frames_(period_frames),
        periods_(periods),
        pauses_(pauses),
        memory_(memory),
        timestamps_(kRate),
        loudness_(kRate, options.target_lufs),
        started_(std::chrono::steady_clock::now()) {}

  void on_buffer(GstBuffer* buffer) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      ++unreadable_buffers_;
      return;
    }
    const auto* samples = reinterpret_cast<const float*>(map.data);
    const std::size_t frames = map.size / (kChannels * sizeof(float));
    timestamps_.add(GST_BUFFER_PTS(buffer), GST_BUFFER_DURATION(buffer), frames);
    for (std::size_t i = 0; i < frames * kChannels; ++i) {
      if (!std::isfinite(samples[i])) ++non_finite_;
    }
    // Fed in pieces cut at the 100 ms and period boundaries.
    for (std::size_t done = 0; done < frames;) {
      const std::size_t to_period = period_frames_ - in_period_;
      const std::size_t n = std::min({frames - done, loudness_.frames_to_hop(), to_period});
      loudness_.add(samples + kChannels * done, n, pauses_);
      done += n;
      in_period_ += n;
      if (in_period_ == period_frames_) close_period();
    }
    gst_buffer_unmap(buffer, &map);
  }

  // After EOS: the last, shorter period, the frame count and the summary.
  bool finish(std::size_t input_frames, const std::string& pipeline_error,
              double norm_integrated_lufs) {
    if (in_period_ > 0) close_period();
    const double wall_s = seconds_since_start();
    const double audio_s = double(timestamps_.frames()) / kRate;
    const OutputLoudness::Reading run = loudness_.whole_run();

    std::printf("\nsummary\n");
    std::printf("  audio %s (%.3f h) in %.0f s wall: %.1fx realtime\n", clock_text(audio_s).c_str(),
                audio_s / 3600.0, wall_s, audio_s / wall_s);
    const bool frames_ok = timestamps_.frames() == input_frames;
    check(frames_ok, "frames: in %zu, out %llu", input_frames,
          static_cast<unsigned long long>(timestamps_.frames()));
    check(timestamps_.mismatches() == 0,
          "timestamps: %llu buffers, %llu off the frame count (first at frame %llu), "
          "largest drift %.0f ns",
          static_cast<unsigned long long>(timestamps_.buffers()),
          static_cast<unsigned long long>(timestamps_.mismatches()),
          static_cast<unsigned long long>(timestamps_.first_mismatch_frame()),
          timestamps_.max_drift_ns());
    check(non_finite_ == 0 && unreadable_buffers_ == 0,
          "samples: %llu non-finite, %llu unreadable buffers",
          static_cast<unsigned long long>(non_finite_),
          static_cast<unsigned long long>(unreadable_buffers_));
    judge_memory();
    check(integrated_failures_ == 0,
          "integrated loudness: %zu of %zu periods off target by more than %.1f LU; "
          "whole run %.2f LUFS (masternorm's own meter: %.2f LUFS), target %.1f",
          integrated_failures_, closed_, options_.integrated_tolerance_lu, run.integrated_lufs,
          norm_integrated_lufs, options_.target_lufs);
    check(run.short_term_fraction >= options_.short_term_min_fraction,
          "short-term loudness: %.1f %% of %ld readings within +-%.0f LU of the target "
          "(at least %.0f %%)",
          100.0 * run.short_term_fraction, run.short_term_points,
          OutputLoudness::kShortTermToleranceLu, 100.0 * options_.short_term_min_fraction);
    check(pipeline_error.empty(), "pipeline errors: %s",
          pipeline_error.empty() ? "none" : pipeline_error.c_str());
    std::printf("%s\n", failures_ == 0 ? "PASS" : "FAIL");
    return failures_ == 0;
  }

 private:
  double seconds_since_start() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  void close_period() {
    const OutputLoudness::Reading r = loudness_.close_period();
    const double mib = memory_.at(closed_);
    const bool integrated_ok =
        std::fabs(r.integrated_lufs - options_.target_lufs) <= options_.integrated_tolerance_lu;
    if (!integrated_ok) ++integrated_failures_;
    const double wall_s = seconds_since_start();
    const double audio_s = double(timestamps_.frames()) / kRate;
    std::printf(
        "period %zu/%zu  audio %s  wall %6.0f s (%5.1fx)  RSS %7.2f MiB  integrated %7.2f "
        "LUFS %s  short-term +-2 LU %5.1f %% of %ld  timestamps %s\n",
        closed_ + 1, periods_, clock_text(audio_s).c_str(), wall_s, audio_s / wall_s, mib,
        r.integrated_lufs, integrated_ok ? "ok " : "OFF", 100.0 * r.short_term_fraction,
        r.short_term_points, timestamps_.mismatches() == 0 ? "exact" : "DRIFT");
    std::fflush(stdout);
    ++closed_;
    in_period_ = 0;
  }

  // Resident memory after the warm-up periods is the baseline; no later
  // sample may exceed it by the tolerance.
  void judge_memory() {
    std::vector<double> samples;
    for (std::size_t k = 0; k < closed_; ++k) samples.push_back(memory_.at(k));
    if (samples.empty() || std::size_t(options_.warmup_periods) >= samples.size()) {
      std::printf("  memory: %zu samples, too few to judge after %d warm-up periods\n",
                  samples.size(), options_.warmup_periods);
      return;
    }
    const std::size_t base_index =
        options_.warmup_periods > 0 ? std::size_t(options_.warmup_periods) - 1 : 0;
    const double baseline = samples[base_index];
    double highest = 0.0, highest_after = baseline;
    for (std::size_t k = 0; k < samples.size(); ++k) {
      highest = std::max(highest, samples[k]);
      if (k > base_index) highest_after = std::max(highest_after, samples[k]);
    }
    check(highest_after - baseline < options_.memory_tolerance_mib,
          "resident memory: first %.2f MiB, after warm-up %.2f, last %.2f, highest %.2f; "
          "growth after warm-up %.3f MiB (under %.1f)",
          samples.front(), baseline, samples.back(), highest, highest_after - baseline,
          options_.memory_tolerance_mib);
  }

  template <typename... Args>
  void check(bool ok, const char* format, Args... args) {
    std::printf("  %s ", ok ? "ok  " : "FAIL");
    std::printf(format, args...);
    std::printf("\n");
    if (!ok) ++failures_;
  }

  const Options& options_;
  std::size_t period_frames_;
  std::size_t periods_;
  PauseMap& pauses_;
  MemoryLog& memory_;
  TimestampCheck timestamps_;
  OutputLoudness loudness_;
  std::chrono::steady_clock::time_point started_;
  std::size_t in_period_ = 0;
  std::size_t closed_ = 0;
  std::size_t integrated_failures_ = 0;
  unsigned long long non_finite_ = 0;
  unsigned long long unreadable_buffers_ = 0;
  int failures_ = 0;
};

GstFlowReturn on_new_sample(GstAppSink* sink, gpointer monitor) {
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample == nullptr) return GST_FLOW_EOS;
  static_cast<SoakMonitor*>(monitor)->on_buffer(gst_sample_get_buffer(sample));
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

// What the bus says: the first error, and the normaliser's final integrated
// loudness. Element messages (meters, every second of audio) are consumed as
// an application would. Returns true at EOS or an error.
bool take_message(GstMessage* message, GstElement* norm, std::string& error,
                  double& norm_integrated) {
  bool end = false;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    if (error.empty()) {
      GError* err = nullptr;
      gst_message_parse_error(message, &err, nullptr);
      error = err->message;
      g_error_free(err);
    }
    end = true;
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
    end = true;
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT &&
             GST_MESSAGE_SRC(message) == GST_OBJECT(norm)) {
    const GstStructure* s = gst_message_get_structure(message);
    gboolean final = FALSE;
    if (gst_structure_get_boolean(s, "final", &final) && final) {
      gst_structure_get_double(s, "integrated", &norm_integrated);
    }
  }
  gst_message_unref(message);
  return end;
}

int run(const Options& options) {
  // The generator's item buffers (megabytes, one item at a time) are mapped
  // and unmapped on their own rather than left in the heap, so the resident
  // size shows what the pipeline keeps, not how the heap was last split.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  test::init_gstreamer();

  const auto hop = std::size_t(kRate / 10);
  const std::size_t period_frames =
      std::max<std::size_t>(1, std::size_t(std::llround(options.period_minutes * 60.0 * 10.0))) *
      hop;
  const auto total_frames = std::size_t(std::llround(options.minutes * 60.0 * 10.0)) * hop;
  const std::size_t periods = (total_frames + period_frames - 1) / period_frames;

  const std::string launch =
      "appsrc name=src format=time ! masterchain preset=" + options.preset +
      " ! audio/x-raw,format=F32LE ! masternorm name=norm speed=" + options.speed +
      " target=" + std::to_string(options.target_lufs) +
      " ! appsink name=sink sync=false caps=audio/x-raw,format=F32LE,layout=interleaved";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (pipeline == nullptr || error != nullptr) {
    std::fprintf(stderr, "lacquer-soak: %s\n", error ? error->message : "cannot build pipeline");
    return 2;
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstElement* norm = gst_bin_get_by_name(GST_BIN(pipeline), "norm");
  GstCaps* caps = gst_caps_from_string(
      "audio/x-raw, format=F32LE, rate=48000, channels=2, layout=interleaved, "
      "channel-mask=(bitmask)0x3");
  const auto max_bytes = guint64(kQueuedSeconds * kRate * kChannels * sizeof(float));
  g_object_set(src, "caps", caps, "max-bytes", max_bytes, "block", FALSE, nullptr);
  gst_caps_unref(caps);

  std::printf("lacquer-soak: %s of audio at %d Hz, periods of %s\n  %s\n",
              clock_text(double(total_frames) / kRate).c_str(), kRate,
              clock_text(double(period_frames) / kRate).c_str(), launch.c_str());
  std::fflush(stdout);

  PauseMap pauses;
  MemoryLog memory(periods);
  ProgrammeFeed feed(options.seed, total_frames, pauses);
  SoakMonitor monitor(options, period_frames, periods, pauses, memory);
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = on_new_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, &monitor, nullptr);

  GstBus* bus = gst_element_get_bus(pipeline);
  std::string pipeline_error;
  double norm_integrated = -HUGE_VAL;
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  std::size_t pushed = 0;
  for (std::size_t k = 0; feed.remaining() > 0 && pipeline_error.empty();) {
    while (GstMessage* message = gst_bus_pop(bus)) {
      take_message(message, norm, pipeline_error, norm_integrated);
    }
    if (gst_app_src_get_current_level_bytes(GST_APP_SRC(src)) >= max_bytes) {
      g_usleep(2000);  // the pipeline is kQueuedSeconds of audio behind
      continue;
    }
    const std::size_t n = std::min(kBlocks[k++ % std::size(kBlocks)], feed.remaining());
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, n * kChannels * sizeof(float), nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    feed.read(reinterpret_cast<float*>(map.data), n);
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_round(pushed, GST_SECOND, kRate);
    GST_BUFFER_DURATION(buffer) =
        gst_util_uint64_scale_round(pushed + n, GST_SECOND, kRate) - GST_BUFFER_PTS(buffer);
    const std::size_t period_before = pushed / period_frames;
    pushed += n;
    gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
    if (pushed / period_frames > period_before) memory.record(period_before, resident_mib());
    if (pushed == total_frames) memory.record(periods - 1, resident_mib());
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  for (bool end = !pipeline_error.empty(); !end;) {
    end = take_message(gst_bus_timed_pop(bus, GST_CLOCK_TIME_NONE), norm, pipeline_error,
                       norm_integrated);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  const bool passed = monitor.finish(pushed, pipeline_error, norm_integrated);

  gst_object_unref(bus);
  gst_object_unref(norm);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace lacquer::soak

int main(int argc, char** argv) {
  const std::optional<lacquer::soak::Options> options = lacquer::soak::parse(argc, argv);
  if (!options) {
    lacquer::soak::usage();
    return 2;
  }
  try {
    return lacquer::soak::run(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lacquer-soak: %s\n", e.what());
    return 2;
  }
}
