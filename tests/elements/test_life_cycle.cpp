// Every element through what a long-running pipeline does to it: flushing
// seeks, caps renegotiation mid-stream, every state change, property changes
// from another thread while playing, and a thousand start/stop cycles.
//
// The streaming here runs in the test's own thread (GstHarness), so that a
// ThreadSanitizer build sees every hand-over between the application thread
// and the streaming thread (GLib's futex-based locks are invisible to it).
// The tests labelled "threads" are the ones scripts/test runs under it.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>
#include <lacquer/dsp/stereo_imager.hpp>

#include "gst_run.hpp"
#include "settings.hpp"

#include <gst/check/gstharness.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <numbers>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

using namespace lacquer;

namespace {

int channels_for(const dsp::StageInfo& info) {
  return info.min_channels <= 2 && info.max_channels >= 2 ? 2 : info.min_channels;
}

std::string caps_for(int rate, int channels) {
  return "audio/x-raw, format=F32LE, layout=interleaved, rate=" + std::to_string(rate) +
         ", channels=" + std::to_string(channels) +
         (channels > 2 ? ", channel-mask=(bitmask)0x0" : "");
}

GstBuffer* noise_buffer(int channels, int frames, int rate, guint64 first_frame, std::uint32_t seed) {
  const auto noise = test::white_noise(std::size_t(frames * channels), -18.0, seed);
  GstBuffer* buffer = gst_buffer_new_memdup(noise.data(), noise.size() * sizeof(float));
  GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_round(first_frame, GST_SECOND, guint64(rate));
  GST_BUFFER_DURATION(buffer) =
      gst_util_uint64_scale_round(first_frame + guint64(frames), GST_SECOND, guint64(rate)) -
      GST_BUFFER_PTS(buffer);
  return buffer;
}

// Everything the harness has received so far, as interleaved floats.
std::vector<float> drain_output(GstHarness* h) {
  std::vector<float> out;
  while (GstBuffer* buffer = gst_harness_try_pull(h)) {
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    const auto* samples = reinterpret_cast<const float*>(map.data);
    out.insert(out.end(), samples, samples + map.size / sizeof(float));
    gst_buffer_unmap(buffer, &map);
    gst_buffer_unref(buffer);
  }
  return out;
}

// F32 in and out (a quantising element would otherwise pick integers).
void set_caps(GstHarness* h, int rate, int channels) {
  const std::string caps = caps_for(rate, channels);
  gst_harness_set_caps_str(h, caps.c_str(), caps.c_str());
}

GstHarness* harness_for(const dsp::StageInfo& info) {
  test::init_gstreamer();
  const std::string launch = "master" + std::string(info.symbol) +
                             test::gst_property_list(test::settings_at(info, 0.3f));
  return gst_harness_new_parse(launch.c_str());
}

// The element itself inside a harness made by gst_harness_new_parse (which
// wraps it in a bin).
GstElement* stage_in(GstHarness* h) {
  return GST_ELEMENT(GST_BIN(h->element)->children->data);
}

// One output buffer: where it sits in time and its interleaved samples.
struct Timed {
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  GstClockTime end = GST_CLOCK_TIME_NONE;
  std::vector<float> samples;
};

std::vector<Timed> drain_timed(GstHarness* h) {
  std::vector<Timed> out;
  while (GstBuffer* buffer = gst_harness_try_pull(h)) {
    Timed t;
    t.pts = GST_BUFFER_PTS(buffer);
    t.end = t.pts + GST_BUFFER_DURATION(buffer);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    const auto* samples = reinterpret_cast<const float*>(map.data);
    t.samples.assign(samples, samples + map.size / sizeof(float));
    gst_buffer_unmap(buffer, &map);
    gst_buffer_unref(buffer);
    out.push_back(std::move(t));
  }
  return out;
}

// Sets a property of any fundamental type from a float, as a control surface would.
void set_from_float(GObject* object, const char* name, float number) {
  GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), name);
  if (pspec == nullptr) return;
  GValue value = G_VALUE_INIT;
  g_value_init(&value, pspec->value_type);
  if (G_IS_PARAM_SPEC_DOUBLE(pspec)) g_value_set_double(&value, number);
  else if (G_IS_PARAM_SPEC_INT(pspec)) g_value_set_int(&value, int(number));
  else if (G_IS_PARAM_SPEC_ENUM(pspec)) g_value_set_enum(&value, int(number));
  else if (G_IS_PARAM_SPEC_BOOLEAN(pspec)) g_value_set_boolean(&value, number > 0.5f);
  g_object_set_property(object, name, &value);
  g_value_unset(&value);
}

// Every setting onto the element: top-level controls as its own properties,
// band controls through GstChildProxy ("band2::gain").
void apply(GstElement* element, const std::vector<test::Setting>& settings) {
  for (const test::Setting& s : settings) {
    const std::string name = test::gst_property_name(s);
    if (s.ref.group == nullptr) {
      set_from_float(G_OBJECT(element), name.c_str(), s.value);
      continue;
    }
    GObject* child = nullptr;
    GParamSpec* pspec = nullptr;
    if (gst_child_proxy_lookup(GST_CHILD_PROXY(element), name.c_str(), &child, &pspec)) {
      set_from_float(child, pspec->name, s.value);
      g_object_unref(child);
    }
  }
}

// A fixed pseudo-random bit for round i (Knuth's multiplicative hash). The
// streaming side reads controls right after every n-th round, so a plain
// i % 2 would show it the same one of two settings every time.
bool coin(int i) { return ((std::uint32_t(i) * 2654435761u) >> 16) & 1u; }

// Runs `round(i)` for i = 0, 1, 2, ... on a thread of its own until stopped.
class RepeatingThread {
 public:
  explicit RepeatingThread(std::function<void(int)> round)
      : thread_([this, round = std::move(round)](std::stop_token stop) {
          for (int i = 0; !stop.stop_requested(); ++i) {
            round(i);
            rounds_.store(i + 1);
          }
        }) {}
  // Returns once `rounds` more have run: called between buffers, it spreads
  // the rounds over the stream whatever the scheduler does.
  void wait_for_more(int rounds) const {
    const int target = rounds_.load() + rounds;
    while (rounds_.load() < target) std::this_thread::yield();
  }
  // Returns how many rounds ran.
  int stop() {
    thread_.request_stop();
    thread_.join();
    return rounds_.load();
  }

 private:
  std::atomic<int> rounds_{0};
  std::jthread thread_;  // last: starts once rounds_ exists
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// The sanitizer runtime's own count (gcc installs no header declaring it).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

// Bytes the process has allocated and not freed (the sanitizer's own count
// under a sanitizer, whose allocator glibc's mallinfo2 does not see).
std::size_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

}  // namespace

BOOST_AUTO_TEST_SUITE(life_cycle)

// After a flushing seek the element starts afresh: what it outputs for the
// new segment equals what a new element outputs for the same input.
BOOST_AUTO_TEST_CASE(flushing_seek_resets_state_and_timing) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* fresh = harness_for(info);
      set_caps(fresh, 48000, channels);
      gst_harness_push(fresh, noise_buffer(channels, 9600, 48000, 0, 2));
      gst_harness_push_event(fresh, gst_event_new_eos());
      const auto expected = drain_output(fresh);
      gst_harness_teardown(fresh);

      GstHarness* seeked = harness_for(info);
      set_caps(seeked, 48000, channels);
      gst_harness_push(seeked, noise_buffer(channels, 24000, 48000, 0, 1));
      drain_output(seeked);
      gst_harness_push_event(seeked, gst_event_new_flush_start());
      gst_harness_push_event(seeked, gst_event_new_flush_stop(TRUE));
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      gst_harness_push_event(seeked, gst_event_new_segment(&segment));
      gst_harness_push(seeked, noise_buffer(channels, 9600, 48000, 0, 2));
      gst_harness_push_event(seeked, gst_event_new_eos());
      const auto got = drain_output(seeked);
      gst_harness_teardown(seeked);

      BOOST_TEST_REQUIRE(got.size() == expected.size());
      double worst = 0.0;
      for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::fabs(got[i] - expected[i])));
      BOOST_TEST(worst <= 1e-6, "largest difference " << worst);
    }
  }
}

// 44.1 -> 48 -> 96 kHz mid-stream: nothing is lost or invented, and the
// element keeps processing at each new rate.
BOOST_AUTO_TEST_CASE(caps_renegotiation_keeps_every_frame) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* h = harness_for(info);
      std::size_t pushed = 0;
      std::size_t received = 0;
      std::size_t in_flight = 0;  // latency frames a caps change may cut off
      for (int rate : {44100, 48000, 96000}) {
        dsp::StageRunner runner(entry.create());
        for (const auto& s : test::settings_at(info, 0.3f)) runner.stage().set(s.ref.index, s.value);
        runner.prepare({.sample_rate = double(rate), .channels = channels});
        in_flight += std::size_t(runner.latency());
        set_caps(h, rate, channels);
        for (int i = 0; i < 4; ++i) {
          BOOST_TEST(gst_harness_push(h, noise_buffer(channels, rate / 10, rate, guint64(i * rate / 10), 3)) ==
                     GST_FLOW_OK);
          pushed += std::size_t(rate / 10);
        }
        received += drain_output(h).size() / std::size_t(channels);
      }
      gst_harness_push_event(h, gst_event_new_eos());
      const auto tail = drain_output(h);
      received += tail.size() / std::size_t(channels);
      for (float x : tail) BOOST_TEST_REQUIRE(std::isfinite(x));
      gst_harness_teardown(h);
      // Each format is its own stream: the frames still inside a stage's
      // lookahead at a caps change are the only ones allowed to go missing.
      BOOST_TEST(received <= pushed);
      BOOST_TEST(received + in_flight >= pushed);
    }
  }
}

// stereo -> mono mid-stream, for every element that takes both: the stereo
// output ends where its lookahead in flight was cut off, the mono output
// starts exactly at the first mono input frame, every timestamp follows the
// last, EOS drains to the end of the input, and the mono part is what a fresh
// element makes of the same buffers.
BOOST_AUTO_TEST_CASE(stereo_to_mono_keeps_timing) {
  constexpr int kRate = 48000;
  constexpr int kFrames = kRate / 10;
  constexpr int kBuffers = 12;  // per format: longer than any stage's lookahead
  const GstClockTime change = gst_util_uint64_scale_round(kBuffers * kFrames, GST_SECOND, kRate);
  const GstClockTime total = 2 * change;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    if (info.min_channels > 1 || info.max_channels < 2) continue;
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      dsp::StageRunner runner(entry.create());
      for (const auto& s : test::settings_at(info, 0.3f)) runner.stage().set(s.ref.index, s.value);
      runner.prepare({.sample_rate = kRate, .channels = 2});
      const GstClockTime stereo_latency =
          gst_util_uint64_scale_round(guint64(runner.latency()), GST_SECOND, kRate);
      BOOST_TEST_REQUIRE(stereo_latency < change);

      auto push_mono = [&](GstHarness* h) {
        set_caps(h, kRate, 1);
        for (int i = kBuffers; i < 2 * kBuffers; ++i) {
          gst_harness_push(h, noise_buffer(1, kFrames, kRate, guint64(i * kFrames), std::uint32_t(10 + i)));
        }
        gst_harness_push_event(h, gst_event_new_eos());
      };
      GstHarness* h = harness_for(info);
      set_caps(h, kRate, 2);
      for (int i = 0; i < kBuffers; ++i) {
        gst_harness_push(h, noise_buffer(2, kFrames, kRate, guint64(i * kFrames), std::uint32_t(10 + i)));
      }
      push_mono(h);
      const auto got = drain_timed(h);
      gst_harness_teardown(h);

      GstHarness* fresh = harness_for(info);
      push_mono(fresh);
      const auto expected = drain_timed(fresh);
      gst_harness_teardown(fresh);

      BOOST_TEST_REQUIRE(!got.empty());
      BOOST_TEST(got.front().pts == GstClockTime(0));
      std::vector<float> mono;
      GstClockTime stereo_end = 0;
      bool contiguous = true;
      bool finite = true;
      for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i].pts < change) {
          stereo_end = got[i].end;
        } else {
          test::append(mono, got[i].samples);
        }
        // Each buffer follows the last; across the change, the gap is the
        // stereo lookahead that was in flight.
        if (i > 0) {
          const GstClockTime expected_pts = got[i].pts >= change && got[i - 1].pts < change
                                                ? got[i - 1].end + stereo_latency
                                                : got[i - 1].end;
          contiguous = contiguous && got[i].pts == expected_pts;
        }
        for (float x : got[i].samples) finite = finite && std::isfinite(x);
      }
      BOOST_TEST(contiguous);
      BOOST_TEST(finite);
      BOOST_TEST(stereo_end + stereo_latency == change);
      BOOST_TEST(got.back().end == total);
      BOOST_TEST_REQUIRE(!expected.empty());
      BOOST_TEST(expected.front().pts == change);
      std::vector<float> fresh_mono;
      for (const Timed& t : expected) test::append(fresh_mono, t.samples);
      BOOST_TEST_REQUIRE(mono.size() == fresh_mono.size());
      double worst = 0.0;
      for (std::size_t i = 0; i < mono.size(); ++i) worst = std::max(worst, double(std::fabs(mono[i] - fresh_mono[i])));
      BOOST_TEST(worst <= 1e-6, "largest difference from a fresh element " << worst);
    }
  }
}

// Every state change, one step at a time: PAUSED <-> PLAYING again and again,
// down to READY and back, down to NULL and back up through READY. Each step
// succeeds at once, and after each round the element processes a fresh
// stream in full.
BOOST_AUTO_TEST_CASE(every_state_change_step_by_step) {
  constexpr int kRate = 48000;
  const GstState kRound[] = {GST_STATE_PAUSED, GST_STATE_PLAYING, GST_STATE_PAUSED, GST_STATE_PLAYING,
                             GST_STATE_PAUSED, GST_STATE_READY,   GST_STATE_PAUSED, GST_STATE_READY,
                             GST_STATE_NULL,   GST_STATE_READY,   GST_STATE_NULL,   GST_STATE_READY,
                             GST_STATE_PAUSED, GST_STATE_PLAYING};
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* h = harness_for(info);
      for (int round = 0; round < 4; ++round) {
        for (GstState state : kRound) {
          BOOST_TEST(gst_element_set_state(h->element, state) == GST_STATE_CHANGE_SUCCESS,
                     "to " << gst_element_state_get_name(state));
          GstState now = GST_STATE_VOID_PENDING;
          gst_element_get_state(stage_in(h), &now, nullptr, 0);
          BOOST_TEST(now == state);
        }
        // Deactivated pads forgot the stream: start a new one.
        gst_harness_push_event(h, gst_event_new_stream_start(("round" + std::to_string(round)).c_str()));
        set_caps(h, kRate, channels);
        GstSegment segment;
        gst_segment_init(&segment, GST_FORMAT_TIME);
        gst_harness_push_event(h, gst_event_new_segment(&segment));
        BOOST_TEST(gst_harness_push(h, noise_buffer(channels, 4800, kRate, 0, 5)) == GST_FLOW_OK);
        gst_harness_push_event(h, gst_event_new_eos());
        const auto out = drain_timed(h);
        std::size_t samples = 0;
        for (const Timed& t : out) samples += t.samples.size();
        BOOST_TEST(samples == std::size_t(4800 * channels));
        BOOST_TEST((!out.empty() && out.front().pts == 0));
      }
      gst_harness_teardown(h);
    }
  }
}

// Properties changed from another thread while buffers flow: every control
// (band controls through the child proxy) between two settings, bypass on
// and off, and a LATENCY query, thousands of rounds, while the streaming side
// changes the sample rate half-way. The element keeps producing finite audio,
// never stalls, never repeats or reverses time (latency changes included),
// and drains to the end of the input at EOS; under ThreadSanitizer
// (scripts/test) nothing is reported.
BOOST_AUTO_TEST_CASE(property_changes_while_playing, *boost::unit_test::label("threads")) {
  constexpr int kRounds = 2000;
  constexpr int kBuffers = 100;
  constexpr int kFrames = 480;
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      GstHarness* h = harness_for(info);
      set_caps(h, 48000, channels);
      gst_harness_set_upstream_latency(h, 0);  // so the LATENCY query gets to the element's answer
      const auto low = test::settings_at(info, 0.1f);
      const auto high = test::settings_at(info, 0.9f);
      GstElement* element = stage_in(h);
      std::atomic<int> answered{0};
      RepeatingThread writer([&](int i) {
        apply(element, coin(i) ? low : high);
        g_object_set(element, "bypass", gboolean(i % 3 == 0), nullptr);
        GstQuery* query = gst_query_new_latency();
        answered.store(answered.load() + (gst_element_query(element, query) ? 1 : 0));
        gst_query_unref(query);
      });
      std::vector<Timed> out;
      bool flowing = true;
      int rate = 48000;
      guint64 position = 0;
      for (int i = 0; flowing && i < kBuffers; ++i) {
        writer.wait_for_more(kRounds / kBuffers);
        if (i == kBuffers / 2) {  // same time, new rate
          position = position * 44100 / guint64(rate);
          rate = 44100;
          set_caps(h, rate, channels);
        }
        flowing = gst_harness_push(h, noise_buffer(channels, kFrames, rate, position, 4)) == GST_FLOW_OK;
        position += kFrames;
        for (Timed& t : drain_timed(h)) out.push_back(std::move(t));
      }
      const int rounds = writer.stop();
      gst_harness_push_event(h, gst_event_new_eos());
      for (Timed& t : drain_timed(h)) out.push_back(std::move(t));
      gst_harness_teardown(h);

      BOOST_TEST(rounds >= kRounds);
      BOOST_TEST(answered.load() > 0);
      BOOST_TEST(flowing);
      BOOST_TEST_REQUIRE(!out.empty());
      bool forward = true;
      bool finite = true;
      for (std::size_t i = 0; i < out.size(); ++i) {
        forward = forward && (i == 0 || out[i].pts >= out[i - 1].end);
        for (float x : out[i].samples) finite = finite && std::isfinite(x);
      }
      BOOST_TEST(forward);
      BOOST_TEST(finite);
      BOOST_TEST(out.back().end == gst_util_uint64_scale_round(position, GST_SECOND, guint64(rate)));
    }
  }
}

// A gain-type control thrown between its extremes thousands of times from
// another thread while a steady sine plays: no sample-to-sample step of the
// output is larger than the control's smoothing allows.
//
// With x[n] = A sin(wn) in and the stage a pure gain g[n] on it,
//   y[n+1] - y[n] = g[n+1] (x[n+1] - x[n]) + (g[n+1] - g[n]) x[n],
// so |dy| <= g_max A 2 sin(w/2) + A max|dg|: the sine's own steepest step at
// the loudest gain, plus the largest step of the smoothed gain, which each
// case derives from its control's range and smoothing time. An unsmoothed
// jump between the extremes would step by up to A (g_max - g_min).
struct SmoothedGain {
  const char* stage;
  const char* control;
  // Largest change of the linear gain from one frame to the next.
  double (*max_gain_step)(const dsp::Param& p, double rate);
};

double db_gain(double db) { return std::pow(10.0, db / 20.0); }
double ramp_frames(const dsp::Param& p, double rate) { return std::round(p.smoothing_ms * 1e-3 * rate); }

const SmoothedGain kSmoothedGains[] = {
    // The EQ's output gain ramps in a straight line of linear gain; each new
    // target is reached in N = smoothing time x rate frames from wherever the
    // ramp stands, so one frame moves it by at most (g_max - g_min) / N.
    {"eq", "output_gain",
     [](const dsp::Param& p, double rate) { return (db_gain(p.max) - db_gain(p.min)) / ramp_frames(p, rate); }},
    // The imager's mid gain ramps in dB over N frames, read every kChunk
    // frames: one chunk moves it by at most d = (max - min) kChunk / N dB,
    // which below g_max is at most g_max (1 - 10^(-d/20)) of linear gain,
    // spread in a straight line over the chunk's kChunk frames.
    {"imager", "mid_gain",
     [](const dsp::Param& p, double rate) {
       constexpr double chunk = dsp::StereoImager::kChunk;
       const double d = double(p.max - p.min) * chunk / ramp_frames(p, rate);
       return db_gain(p.max) * (1.0 - db_gain(-d)) / chunk;
     }},
};

BOOST_AUTO_TEST_CASE(hammered_gain_control_does_not_click, *boost::unit_test::label("threads")) {
  constexpr double kRate = 48000;
  constexpr double kFreq = 10.0;   // slow enough that the gain's step dominates the bound
  constexpr double kLevel = -26.0;  // A = 0.05
  constexpr int kFrames = 480;
  constexpr int kSets = 5000;
  constexpr int kBuffers = 200;  // 2 s
  const double amplitude = test::db_to_linear(kLevel);
  for (const SmoothedGain& c : kSmoothedGains) {
    const dsp::StageEntry& entry = *dsp::find_stage(c.stage);
    const dsp::Param& p = *dsp::param_at(*entry.info, dsp::find_param(*entry.info, c.control)).param;
    std::string property(p.symbol);
    for (char& ch : property) ch = ch == '_' ? '-' : ch;
    BOOST_TEST_CONTEXT("master" << c.stage << " " << property) {
      test::init_gstreamer();
      GstHarness* h = gst_harness_new_parse(("master" + std::string(c.stage)).c_str());
      set_caps(h, int(kRate), 2);
      GstElement* element = stage_in(h);
      RepeatingThread writer(
          [&](int i) { set_from_float(G_OBJECT(element), property.c_str(), coin(i) ? p.min : p.max); });
      std::vector<float> out;
      guint64 position = 0;
      for (int i = 0; i < kBuffers; ++i) {
        writer.wait_for_more(kSets / kBuffers);
        const auto tone = test::sine(kRate, kFreq, kLevel, kFrames, 2.0 * std::numbers::pi * kFreq * double(position) / kRate);
        std::vector<float> interleaved(2 * kFrames);
        for (int n = 0; n < kFrames; ++n) interleaved[std::size_t(2 * n)] = interleaved[std::size_t(2 * n + 1)] = tone[std::size_t(n)];
        GstBuffer* buffer = gst_buffer_new_memdup(interleaved.data(), interleaved.size() * sizeof(float));
        GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_round(position, GST_SECOND, guint64(kRate));
        GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale_round(position + kFrames, GST_SECOND, guint64(kRate)) -
                                      GST_BUFFER_PTS(buffer);
        BOOST_TEST_REQUIRE(gst_harness_push(h, buffer) == GST_FLOW_OK);
        position += kFrames;
        test::append(out, drain_output(h));
      }
      const int sets = writer.stop();
      gst_harness_teardown(h);

      const double g_max = db_gain(p.max);
      const double allowed = amplitude * (g_max * 2.0 * std::sin(std::numbers::pi * kFreq / kRate) +
                                          c.max_gain_step(p, kRate)) +
                             1e-6 * g_max * amplitude;  // float rounding of y
      double step = 0.0;
      double loudest = 0.0;
      for (std::size_t i = 2; i + 2 < out.size(); i += 2) {
        step = std::max(step, double(std::fabs(out[i + 2] - out[i])));
        loudest = std::max(loudest, double(std::fabs(out[i])));
      }
      BOOST_TEST_MESSAGE("master" << c.stage << " " << property << ": " << sets << " sets, largest step "
                                  << step << ", allowed " << allowed << ", unsmoothed "
                                  << amplitude * (g_max - db_gain(p.min)));
      BOOST_TEST(sets >= kSets);
      // The control did move the gain: the output rose well above the input.
      BOOST_TEST(loudest >= 2.0 * amplitude);
      BOOST_TEST(step <= allowed);
    }
  }
}

// A thousand start/stop cycles of every element (created, negotiated, fed,
// drained at EOS, torn down) leave no memory behind: the heap in use after
// the last cycle equals that after the first few, which already hold every
// one-time allocation of GLib's type system and of the plugin. A leak of one
// small allocation per cycle would grow it by kilobytes.
BOOST_AUTO_TEST_CASE(start_stop_cycles_leak_nothing) {
  constexpr int kCycles = 1000;
  constexpr int kWarmUp = 10;
  constexpr std::size_t kSlack = 2048;  // bytes: caches GLib may still fill
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    BOOST_TEST_CONTEXT("master" << info.symbol) {
      const std::string launch = "master" + std::string(info.symbol);
      auto cycle = [&] {
        GstHarness* h = gst_harness_new_parse(launch.c_str());
        set_caps(h, 48000, channels);
        gst_harness_push(h, noise_buffer(channels, 256, 48000, 0, 6));
        gst_harness_push_event(h, gst_event_new_eos());
        drain_output(h);
        gst_harness_teardown(h);
      };
      test::init_gstreamer();
      for (int i = 0; i < kWarmUp; ++i) cycle();
      const std::size_t before = heap_in_use();
      for (int i = kWarmUp; i < kCycles; ++i) cycle();
      const std::size_t after = heap_in_use();
      BOOST_TEST_MESSAGE("master" << info.symbol << ": heap " << before << " -> " << after << " bytes over "
                                  << kCycles - kWarmUp << " cycles");
      BOOST_TEST(after <= before + kSlack,
                 "heap grew by " << static_cast<long long>(after) - static_cast<long long>(before) << " bytes");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
