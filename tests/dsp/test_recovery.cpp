// Recovery from non-finite input: every stage, run through the StageRunner as
// both faces run it (the GStreamer element and the LV2 plugin call nothing
// else), is fed a programme with a burst of NaN, +Inf or -Inf in it. Its
// output must stay finite throughout, and from one block after the burst on it
// must be the output of the same programme with the burst replaced by
// silence. The runner hands the stage exact zeros in place of non-finite
// samples, so the stage sees identical input in both runs: the comparison is
// bit for bit, meters included.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>

#include "../common/run_stage.hpp"
#include "../common/settings.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

using namespace lacquer;

namespace {

constexpr int kBlock = 512;

enum class Poison { nan, plus_inf, minus_inf, mixed };

struct Burst {
  const char* what;
  Poison poison;
  std::size_t start;   // frame
  std::size_t length;  // frames
  int channel;         // -1: every channel
};

// Inside one block, across a block boundary, exactly one block, several
// blocks, and on one channel only (a linked detector must not carry it over).
constexpr Burst kBursts[] = {
    {"one NaN inside a block", Poison::nan, 5 * kBlock + 100, 1, -1},
    {"37 +Inf inside a block", Poison::plus_inf, 8 * kBlock + 200, 37, -1},
    {"300 -Inf across a block boundary", Poison::minus_inf, 12 * kBlock - 150, 300, -1},
    {"exactly one block of NaN", Poison::nan, 16 * kBlock, kBlock, -1},
    {"2000 mixed NaN/+Inf/-Inf over five blocks", Poison::mixed, 20 * kBlock + 7, 2000, -1},
    {"NaN on the first channel only, across a boundary", Poison::nan, 28 * kBlock - 10, 64, 0},
};

float poison_value(Poison poison, std::size_t i) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (poison) {
    case Poison::nan: return std::numeric_limits<float>::quiet_NaN();
    case Poison::plus_inf: return kInf;
    case Poison::minus_inf: return -kInf;
    case Poison::mixed: break;
  }
  const float cycle[] = {std::numeric_limits<float>::quiet_NaN(), kInf, -kInf};
  return cycle[i % 3];
}

// Music-like and loud enough that every dynamics stage works: a chord, a
// pulsing low note and noise, about -12 dBFS RMS.
test::Planar programme(double rate, int channels, std::size_t frames) {
  test::Planar audio;
  for (int c = 0; c < channels; ++c) {
    std::vector<float> x = test::white_noise(frames, -20.0, 17u + std::uint32_t(c));
    const std::vector<float> low = test::sine(rate, 55.0, -10.0, frames);
    const std::vector<float> mid = test::sine(rate, 440.0 + 3.0 * c, -14.0, frames, 0.3 * c);
    for (std::size_t i = 0; i < frames; ++i) {
      const double pulse = 0.5 + 0.5 * std::cos(2.0 * std::numbers::pi * 2.0 * double(i) / rate);
      x[i] += float(pulse * low[i]) + mid[i];
    }
    audio.push_back(std::move(x));
  }
  return audio;
}

std::size_t nonfinite_samples(const test::Planar& audio) {
  std::size_t count = 0;
  for (const auto& channel : audio) {
    for (float x : channel) count += std::isfinite(x) ? 0u : 1u;
  }
  return count;
}

// Every meter of the stage, over all channels and per channel.
std::vector<float> meters(const dsp::Stage& stage, int channels) {
  std::vector<float> values;
  for (int i = 0; i < stage.param_count(); ++i) {
    if (!dsp::param_at(stage.info(), i).param->is_meter()) continue;
    for (int c = -1; c < channels; ++c) values.push_back(stage.meter(i, c));
  }
  return values;
}

int channels_for(const dsp::StageInfo& info) {
  return info.min_channels <= 2 && info.max_channels >= 2 ? 2 : info.min_channels;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nonfinite_recovery)

BOOST_AUTO_TEST_CASE(every_stage_is_back_to_its_exact_output_one_block_after_a_nan_or_inf_burst) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = channels_for(info);
    for (const double rate : {44100.0, 48000.0}) {
      // Defaults, and every control at 30 % of its range (what the face tests use).
      for (const float fraction : {-1.0f, 0.3f}) {
        auto poisoned = test::make_runner(info.symbol, rate, channels, kBlock);
        auto reference = test::make_runner(info.symbol, rate, channels, kBlock);
        if (fraction >= 0.0f) {
          for (const test::Setting& s : test::settings_at(info, fraction)) {
            poisoned->stage().set(s.ref.index, s.value);
            reference->stage().set(s.ref.index, s.value);
          }
        }
        const std::size_t frames = std::size_t(1.2 * rate);
        const test::Planar clean = programme(rate, channels, frames);
        for (const Burst& burst : kBursts) {
          BOOST_TEST_CONTEXT("stage " << info.symbol << ", " << rate << " Hz, "
                                      << (fraction < 0 ? std::string("defaults")
                                                       : "controls at 30 %")
                                      << ", " << burst.what) {
            test::Planar with_burst = clean;
            test::Planar with_silence = clean;
            for (int c = 0; c < channels; ++c) {
              if (burst.channel >= 0 && c != burst.channel) continue;
              for (std::size_t i = burst.start; i < burst.start + burst.length; ++i) {
                with_burst[std::size_t(c)][i] = poison_value(burst.poison, i);
                with_silence[std::size_t(c)][i] = 0.0f;
              }
            }
            poisoned->reset();
            reference->reset();
            test::run_blocks(*poisoned, with_burst, kBlock);
            test::run_blocks(*reference, with_silence, kBlock);

            BOOST_TEST(nonfinite_samples(with_burst) == 0u);
            // One block after the burst ends, and on to the end of the run.
            const std::size_t recovered = burst.start + burst.length + kBlock;
            std::size_t differing = 0;
            std::size_t first_difference = frames;
            for (int c = 0; c < channels; ++c) {
              for (std::size_t i = recovered; i < frames; ++i) {
                // Bit for bit: the stage saw the same samples in both runs.
                if (with_burst[std::size_t(c)][i] != with_silence[std::size_t(c)][i]) {
                  ++differing;
                  first_difference = std::min(first_difference, i);
                }
              }
            }
            BOOST_TEST(differing == 0u, differing << " samples differ from the reference, the "
                                                  << "first " << first_difference - recovered
                                                  << " frames after the recovery point");
            const std::vector<float> poisoned_meters = meters(poisoned->stage(), channels);
            const std::vector<float> reference_meters = meters(reference->stage(), channels);
            for (std::size_t m = 0; m < poisoned_meters.size(); ++m) {
              BOOST_TEST_INFO("meter value " << m);
              BOOST_TEST(!std::isnan(poisoned_meters[m]));
              BOOST_TEST_INFO("meter value " << m);
              BOOST_TEST(poisoned_meters[m] == reference_meters[m]);
            }
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
