// Processing time of silence after a loud, slowly decaying signal against the
// time of a normal programme: what the denormal guard is for. A recursive
// filter or envelope left to decay on silence falls into the subnormal range
// (below 1.2e-38, -758 dBFS), where each multiply can cost a hundred cycles.
//
// For every stage in the registry, at its defaults and with every control at
// 30 % of its range, stereo 48 kHz in blocks of 512, each iteration times
//   normal:  3 s of music-like programme, after 2.5 s of it untimed;
//   silence: 3 s of exact zeros, after an untimed 0.5 s of 0 dBFS programme
//            and a 2 s exponential decay of it from 0 dBFS down through the
//            subnormal range to zero (450 dB/s), so the stage's filter and
//            envelope states are decaying toward denormals as the timing
//            starts;
// and reports both in ns per frame and their ratio (silence / normal). Two
// paths:
//   runner:  through the StageRunner, as the GStreamer element and the LV2
//            plugin run a stage (flush-to-zero / denormals-are-zero on);
//   direct:  the stage's process() alone with FTZ/DAZ off: what the stages
//            would cost without the runner's guard.
// The reliability promise is ratio <= 1.5 on the runner path.
//
//   build/bench/bench-denormal [--benchmark_filter=comp]
#include <benchmark/benchmark.h>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "settings.hpp"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace lacquer;
using Planar = std::vector<std::vector<float>>;

constexpr double kRate = 48000.0;
constexpr int kBlock = 512;
constexpr double kTimedSeconds = 3.0;
constexpr double kLoudSeconds = 0.5;
constexpr double kDecaySeconds = 2.0;
// Both timings start as long after a reset: the loudness meter, for one,
// works harder once its 3 s short-term window is full.
constexpr double kSettleSeconds = kLoudSeconds + kDecaySeconds;
constexpr double kDecayToDb = -900.0;  // below the smallest subnormal float (-897 dBFS)
constexpr int kIterations = 10;

enum class Path { runner, direct };

// Clears flush-to-zero and denormals-are-zero for its scope, whatever the
// thread had: the direct path measures the stages unguarded.
class ScopedDenormalsKept {
 public:
  ScopedDenormalsKept() noexcept {
#if defined(__SSE__) || defined(__x86_64__)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ & ~0x8040u);
#endif
  }
  ~ScopedDenormalsKept() {
#if defined(__SSE__) || defined(__x86_64__)
    _mm_setcsr(saved_);
#endif
  }
  ScopedDenormalsKept(const ScopedDenormalsKept&) = delete;
  ScopedDenormalsKept& operator=(const ScopedDenormalsKept&) = delete;

 private:
  unsigned saved_ = 0;
};

double thread_cpu_seconds() noexcept {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

// Music-like programme at `peak_db`: a pulsing low note, a chord and
// low-passed noise, decorrelated between channels.
Planar programme(int channels, std::size_t frames, double peak_db, std::uint32_t seed) {
  Planar audio(static_cast<std::size_t>(channels), std::vector<float>(frames));
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 0.12f);
  const double two_pi = 2.0 * std::numbers::pi;
  for (int c = 0; c < channels; ++c) {
    float lowpassed = 0.0f;
    for (std::size_t i = 0; i < frames; ++i) {
      const double t = double(i) / kRate;
      const double pulse = 0.5 + 0.5 * std::cos(two_pi * 2.0 * t);
      lowpassed = 0.9f * lowpassed + gauss(rng);
      const double x = 0.35 * pulse * std::sin(two_pi * 55.0 * t) +
                       0.12 * (std::sin(two_pi * (220.0 + c) * t) + std::sin(two_pi * 277.2 * t) +
                               std::sin(two_pi * 329.6 * t)) +
                       0.5 * lowpassed;
      audio[std::size_t(c)][i] = float(x);
    }
  }
  float peak = 0.0f;
  for (const auto& channel : audio) {
    for (float x : channel) peak = std::max(peak, std::fabs(x));
  }
  const auto gain = float(std::pow(10.0, peak_db / 20.0) / double(peak));
  for (auto& channel : audio) {
    for (float& x : channel) x *= gain;
  }
  return audio;
}

// 0 dBFS programme, then the same programme under an exponential decay from
// 0 dBFS to kDecayToDb: the last samples are subnormal, then exact zeros.
Planar loud_then_decay(int channels) {
  const auto loud = std::size_t(kLoudSeconds * kRate);
  const auto decay = std::size_t(kDecaySeconds * kRate);
  Planar audio = programme(channels, loud + decay, 0.0, 7);
  const double db_per_frame = kDecayToDb / double(decay);
  for (auto& channel : audio) {
    for (std::size_t i = 0; i < decay; ++i) {
      const double gain = std::pow(10.0, db_per_frame * double(i) / 20.0);
      channel[loud + i] = float(double(channel[loud + i]) * gain);
    }
  }
  return audio;
}

// A stage as it is timed: through its runner, or its process() alone.
class TimedStage {
 public:
  TimedStage(const dsp::StageEntry& entry, int channels, float fraction, Path path)
      : runner_(entry.create()), path_(path) {
    if (fraction >= 0.0f) {
      for (const test::Setting& s : test::settings_at(*entry.info, fraction)) {
        runner_.stage().set(s.ref.index, s.value);
      }
    }
    dsp::ProcessSpec spec;
    spec.sample_rate = kRate;
    spec.channels = channels;
    spec.max_block = kBlock;
    spec.layout = dsp::ProcessSpec::default_layout(channels);
    runner_.prepare(spec);
  }

  void reset() noexcept { runner_.reset(); }

  // Processes `audio` in place in blocks of kBlock; returns the CPU seconds
  // this thread spent (other work on a shared machine does not count).
  double process(Planar& audio) {
    std::vector<float*> ptrs(audio.size());
    const std::size_t frames = audio.front().size();
    const double start = thread_cpu_seconds();
    {
      // The runner sets FTZ/DAZ itself; the direct path runs without them.
      ScopedDenormalsKept unguarded;
      for (std::size_t done = 0; done < frames; done += kBlock) {
        const int n = int(std::min<std::size_t>(kBlock, frames - done));
        for (std::size_t c = 0; c < audio.size(); ++c) ptrs[c] = audio[c].data() + done;
        if (path_ == Path::runner) {
          runner_.process(ptrs.data(), n);
        } else {
          runner_.stage().process(ptrs.data(), n);
        }
      }
    }
    benchmark::ClobberMemory();
    return thread_cpu_seconds() - start;
  }

 private:
  dsp::StageRunner runner_;
  Path path_;
};

void run_denormal_bench(benchmark::State& state, const dsp::StageEntry* entry, float fraction,
                        Path path) {
  const dsp::StageInfo& info = *entry->info;
  const int channels = info.min_channels <= 2 && info.max_channels >= 2 ? 2 : info.min_channels;
  TimedStage stage(*entry, channels, fraction, path);
  const auto settle_frames = std::size_t(kSettleSeconds * kRate);
  const auto timed_frames = std::size_t(kTimedSeconds * kRate);
  const Planar music = programme(channels, settle_frames + timed_frames, -3.0, 1);
  const Planar decay = loud_then_decay(channels);
  const Planar zeros(std::size_t(channels), std::vector<float>(timed_frames, 0.0f));
  auto split = [&](std::size_t from, std::size_t to) {
    Planar part;
    for (const auto& channel : music) part.emplace_back(channel.begin() + long(from), channel.begin() + long(to));
    return part;
  };
  const Planar settle = split(0, settle_frames);
  const Planar timed_music = split(settle_frames, settle_frames + timed_frames);

  double normal_seconds = 0.0;
  double silence_seconds = 0.0;
  Planar work;
  for (auto _ : state) {
    stage.reset();
    work = settle;
    stage.process(work);
    work = timed_music;
    const double normal = stage.process(work);

    stage.reset();
    work = decay;
    stage.process(work);
    work = zeros;
    const double silence = stage.process(work);

    normal_seconds += normal;
    silence_seconds += silence;
    state.SetIterationTime(normal + silence);
  }
  const double frames = double(state.iterations()) * double(timed_frames);
  const double normal_ns = normal_seconds * 1e9 / frames;
  const double silence_ns = silence_seconds * 1e9 / frames;
  state.counters["normal_ns_per_frame"] = normal_ns;
  state.counters["silence_ns_per_frame"] = silence_ns;
  state.counters["ratio"] = silence_ns / normal_ns;
}

}  // namespace

int main(int argc, char** argv) {
  // Registered here, not from static initialisers: the registry is itself
  // initialised at start-up.
  for (const dsp::StageEntry& entry : dsp::stages()) {
    for (const float fraction : {-1.0f, 0.3f}) {
      for (const Path path : {Path::runner, Path::direct}) {
        const std::string name = "denormal/" + std::string(entry.info->symbol) +
                                 (fraction < 0.0f ? "/defaults" : "/controls_at_30pc") +
                                 (path == Path::runner ? "/runner" : "/direct_no_ftz");
        benchmark::RegisterBenchmark(name.c_str(), run_denormal_bench, &entry, fraction, path)
            ->Iterations(kIterations)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
