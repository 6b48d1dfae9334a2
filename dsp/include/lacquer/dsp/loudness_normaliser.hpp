// Live loudness normaliser (element masternorm, LV2 urn:lacquer:norm): one
// pass, for broadcast and streaming radio.
//
//   input ─┬──────────── lookahead delay ── gain ── true-peak limiter ── out
//          └─ K-weighted momentary blocks ── tracker ── gain computer ┘     │
//                                                          output meters ───┘
//
// The input is measured in BS.1770 momentary blocks (400 ms, every 100 ms,
// channel weights from the layout). A LoudnessTracker turns the recent blocks
// into a programme loudness, the gain computer aims at target minus that
// loudness within [-max attenuation, +max gain], and the gain moves towards
// its aim no faster than the speed (dB/s) of the chosen preset. Blocks below
// the gate (silence, pauses) freeze the gain, so noise is never pumped up; a
// pause longer than kNewItemS starts the estimate afresh for the next item.
// The lookahead delays the audio, not the measurement, so the gain is already
// moving when a change of level reaches the output. The TruePeakLimiter
// (masterlimiter's DSP) then holds the ceiling; latency is the lookahead plus
// the limiter's.
#pragma once

#include <lacquer/dsp/delay_line.hpp>
#include <lacquer/dsp/loudness_meter.hpp>
#include <lacquer/dsp/loudness_tracker.hpp>
#include <lacquer/dsp/stage.hpp>
#include <lacquer/dsp/true_peak_limiter.hpp>
#include <memory>
#include <vector>

namespace lacquer::dsp {

class LoudnessNormaliser final : public Stage {
 public:
  LoudnessNormaliser();
  ~LoudnessNormaliser() override;

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  int latency() const noexcept override;
  int max_latency() const noexcept override;
  float meter(int index, int channel) const noexcept override;

  // The output's loudness, LUFS; -inf before there is any.
  double output_momentary() const noexcept;
  double output_short_term() const noexcept;
  double output_integrated() const noexcept;

  enum Index : int {
    kTarget,
    kCeiling,
    kMaxGain,
    kMaxAttenuation,
    kSpeed,
    kRate,
    kGate,
    kLookahead,
    kReset,
    kGain,
    kMomentary,
    kShortTerm,
    kIntegrated,
    kCount
  };
  enum Speed : int { kBroadcast, kRadio, kCustom };

  // How each speed preset tracks: the largest gain change per second, the
  // length of the loudness window and the time constant of the approach.
  struct Tracking {
    double rate_db_per_s;
    double window_s;
    double approach_s;
  };
  static Tracking tracking(int speed, double custom_rate_db_per_s) noexcept;

  static constexpr double kMaxLookaheadS = 3.0;
  static constexpr double kMaxWindowS = 10.0;
  static constexpr double kNewItemS = 1.5;  // a pause this long ends a programme item
  static constexpr int kSettleBlocks = 5;   // blocks a new item needs before the gain moves

 private:
  void on_hop() noexcept;
  void start_item() noexcept;
  void apply_gain(float* const* audio, int offset, int frames) noexcept;
  int lookahead_frames() const noexcept;

  struct Settings {
    double target_lufs = -23.0;
    double max_gain_db = 12.0;
    double max_attenuation_db = 20.0;
    double gate_lufs = -50.0;
    Tracking tracking{1.5, 10.0, 2.0};
  };

  ProcessSpec spec_{};
  Settings settings_{};                // read from the parameters once per block
  Ebur128Meter detector_;              // input, momentary blocks
  Ebur128Meter output_;                // output, momentary and short-term
  LoudnessHistogram output_blocks_;    // output gating blocks, for integrated
  LoudnessTracker tracker_;
  DelayLine delay_;
  TruePeakLimiter limiter_;  // the same DSP as masterlimiter, at its defaults

  int hop_frames_ = 4800;  // 100 ms, libebur128's block hop
  int frames_to_hop_ = 4800;
  long long frames_since_reset_ = 0;
  int gated_hops_ = 0;   // consecutive hops below the gate
  int item_blocks_ = 0;  // blocks of the current item in the tracker
  int skip_blocks_ = 0;  // blocks still overlapping the pause before the item

  // Gain in dB at the start of the current hop and its per-hop increment; the
  // linear gain moves by a constant factor per frame (a straight line in dB).
  double gain_db_ = 0.0;
  double hop_step_db_ = 0.0;
  double gain_linear_ = 1.0;
  double gain_factor_ = 1.0;
  int ramp_left_ = 0;
};

const StageInfo& norm_info() noexcept;

}  // namespace lacquer::dsp
