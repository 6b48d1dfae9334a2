// One compressor over a set of channels: a level detector per channel, the
// stereo link, the gain computer, the attack/release smoother and make-up and
// dry/wet mix, folded into one gain per sample that is applied to the audio.
//
// The detector listens to `sidechain`; the gain goes onto `audio`, which the
// caller may have delayed (lookahead) or filtered (a multiband band). Dry/wet
// mix needs no second signal path: dry and wet are the same samples, so
// out = (1 − m)·x + m·g·x = ((1 − m) + m·g)·x.
#pragma once

#include <lacquer/dsp/gain_computer.hpp>
#include <lacquer/dsp/gain_smoother.hpp>
#include <lacquer/dsp/level_detector.hpp>
#include <lacquer/dsp/stage.hpp>

#include <array>
#include <vector>

namespace lacquer::dsp {

struct CompressorSettings {
  float threshold_db = -18.0f;
  float ratio = 2.0f;  // >= GainComputer::kInfiniteRatio: infinite
  float knee_db = 6.0f;
  float attack_ms = 10.0f;
  float release_ms = 150.0f;
  bool auto_release = false;
  float makeup_db = 0.0f;
  bool auto_makeup = false;  // adds the reduction the curve gives a 0 dBFS level
  DetectorMode detector = DetectorMode::peak;
  float window_ms = 10.0f;
  float link = 1.0f;  // 0: each channel on its own, 1: all follow the loudest
  float mix = 1.0f;   // 0: dry, 1: compressed
};

class CompressorCore {
 public:
  static constexpr double kMaxWindowMs = 100.0;

  // Non-realtime. `smoothing_ms`: how fast threshold, ratio, knee, make-up,
  // link and mix follow a change (time to 63 %).
  void prepare(double sample_rate, int channels, int max_block, double smoothing_ms);
  void reset() noexcept;
  // Audio thread, once per block before process().
  void set(const CompressorSettings& settings) noexcept;
  // `sidechain` is only read; `audio` is scaled in place. Either may be the
  // other (then the detector hears the audio it compresses).
  void process(const float* const* sidechain, float* const* audio, int frames) noexcept;

  // Largest gain reduction (dB, >= 0) of the last processed block; channel -1:
  // over all channels.
  float reduction_db(int channel) const noexcept;
  int channels() const noexcept { return channels_; }

 private:
  // One-pole parameter smoothing, same coefficient for every parameter.
  struct Smoothed {
    float value = 0.0f;
    float target = 0.0f;
    bool settled() const noexcept { return value == target; }
  };
  void fill_trajectory(Smoothed& p, float* out, int frames) const noexcept;
  // Gain per sample for one detector level curve; returns the largest reduction.
  static float compute_gain(GainSmoother& smoother, const float* level, const float* threshold,
                            const float* slope, const float* knee, const float* makeup, const float* mix,
                            bool curve_settled, float* gain, int frames) noexcept;

  double sample_rate_ = 48000.0;
  int channels_ = 0;
  float smoothing_ = 0.0f;
  bool snap_ = true;  // first set() after reset: no glide from stale values
  Smoothed threshold_db_, slope_, knee_db_, makeup_db_, link_, mix_;
  std::array<LevelDetector, kMaxChannels> detectors_{};
  std::array<GainSmoother, kMaxChannels> smoothers_{};
  std::array<float, kMaxChannels> block_reduction_db_{};
  // Scratch, max_block each: levels per channel, then parameter trajectories.
  std::vector<std::vector<float>> levels_;
  std::vector<float> threshold_curve_, slope_curve_, knee_curve_, makeup_curve_, link_curve_,
      mix_curve_, gain_;
};

}  // namespace lacquer::dsp
