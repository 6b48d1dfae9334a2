// The mastering equalizer: 8 bands (bell, shelves, cuts, tilt) on stereo,
// left, right, mid or side, in minimum phase (matched biquads, see
// eq_design.hpp) or linear phase (an FIR designed from the same analog
// magnitudes, run as a partitioned FFT convolution).
//
// Minimum phase. Controls move in straight lines in log frequency, dB and
// log Q over their smoothing time (20 ms); every 32 frames the band is
// redesigned in closed form and its biquads ramp their coefficients across
// those 32 frames. Settled bands run as one cascade, both channels at once.
// When the controls rest the band is refined (minimax against the prototype,
// one section or a fitted pair) and ramps there too; a section the new design
// no longer needs ramps to identity and then leaves the band. Changing a
// band's type, slope or channel, or switching it on or off, fades the band
// out and in (wet/dry) so the filters never jump.
//
// Linear phase. The target is the product of the bands' analog magnitudes,
// a real 2x2 matrix per frequency, taken into the mid/side domain: stereo,
// mid and side bands leave it diagonal (two kernels), left and right bands
// fill it (four). It is sampled on an L-point grid, turned into a zero-phase
// impulse response, Kaiser-windowed to L - 2P taps and delayed so that, with
// the convolver's partition of P frames, the latency is exactly L / 2. The
// rate sets L so that 20 Hz is still resolved (L = 32768 at 48 kHz: 24576
// taps, 341 ms latency); the latency stays fixed whatever the bands, but the
// outer taps that add up to less than 1e-5 are dropped, and with them the
// partitions they filled (bands well above 20 Hz cost less). A change is
// designed at the next partition boundary and crossfaded in over one
// partition (raised cosine).
#pragma once

#include <array>
#include <atomic>
#include <lacquer/dsp/biquad.hpp>
#include <lacquer/dsp/eq_design.hpp>
#include <lacquer/dsp/fft.hpp>
#include <lacquer/dsp/linear_ramp.hpp>
#include <lacquer/dsp/partitioned_convolver.hpp>
#include <lacquer/dsp/stage.hpp>
#include <memory>
#include <vector>

namespace lacquer::dsp {

enum class EqChannel : std::uint8_t { stereo, left, right, mid, side };
enum class EqPhase : std::uint8_t { minimum, linear };

class Equalizer final : public Stage {
 public:
  static constexpr int kBands = 8;
  static constexpr int kControlFrames = 32;  // control and coefficient update period

  enum Index : int { kPhase, kOutputGain, kTopCount };
  enum BandIndex : int { kEnabled, kType, kFreq, kGain, kQ, kSlope, kChannel, kBandCount };
  static constexpr int band_param(int band, int which) noexcept {
    return kTopCount + band * kBandCount + which;
  }

  Equalizer();
  ~Equalizer() override;

  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  void process(float* const* audio, int frames) noexcept override;
  int latency() const noexcept override;
  int max_latency() const noexcept override { return linear_latency_; }

  // Linear phase: FIR design length L (latency L / 2) at the prepared rate.
  int fir_length() const noexcept { return fir_length_; }
  // The band as its controls currently ask (frequency clamped for the rate).
  EqBandShape band_shape(int band) const noexcept;

 private:
  struct Band {
    // What the filters implement now; type, slope and channel change only
    // while the band is faded out.
    EqBandType type = EqBandType::bell;
    int slope = 12;
    EqChannel channel = EqChannel::stereo;
    bool enabled = false;
    LinearRamp log_freq, gain_db, log_q;
    LinearRamp mix;                       // 0: band bypassed, 1: band in
    double mix_from = 1.0, mix_to = 1.0;  // over the current control period
    bool refined = false;
    int sections = 0;
    // The last refined design snap_band made, kept for the same settings.
    EqBandShape snapped_shape;
    EqSections snapped_design;
    bool snapped_valid = false;
    std::array<std::array<Biquad, kMaxEqSections>, 2> filters{};
  };
  struct Settings {  // one band's controls as read at the top of a block
    bool enabled = true;
    EqBandType type = EqBandType::bell;
    double freq_hz = 1000.0, gain_db = 0.0, q = 0.7071;
    int slope = 12;
    EqChannel channel = EqChannel::stereo;
    friend bool operator==(const Settings&, const Settings&) = default;
  };

  Settings read_settings(int band) const noexcept;
  void snap_band(int band, const Settings& s) noexcept;
  void control_tick() noexcept;
  void update_band(int band) noexcept;
  void set_coefficients(Band& b, const EqSections& design, int ramp_frames) noexcept;
  static void trim_sections(Band& b) noexcept;
  void process_minimum(float* const* audio, int frames) noexcept;
  void process_band(Band& b, float* const* audio, int frames) noexcept;
  bool joins_cascade(const Band& b) const noexcept;
  void add_to_cascade(Band& b) noexcept;
  void run_cascade(float* const* audio, int frames) noexcept;
  void apply_output_gain(float* const* audio, int frames) noexcept;

  void design_linear(bool crossfade) noexcept;
  void process_linear(float* const* audio, int frames) noexcept;

  ProcessSpec spec_{};
  int channels_ = 2;
  int smoothing_frames_ = 960;
  std::array<Settings, kBands> settings_{};
  std::array<Band, kBands> bands_{};
  int control_countdown_ = 0;
  int refinements_left_ = 0;             // in this control tick
  bool fresh_ = true;                    // reset() happened, no audio since
  bool idle_ = false;                    // nothing moves: control ticks would change nothing
  LinearRamp output_gain_;               // linear
  std::vector<std::vector<float>> dry_;  // kControlFrames per channel

  // Settled bands run as one cascade, both channels at once (two lanes of a
  // vector; a band on one channel is identity on the other lane) and every
  // section per sample, so the sections' recursions overlap instead of
  // waiting on each other.
  struct CascadeSection {
    double b0[2], b1[2], b2[2], a1[2], a2[2], s1[2], s2[2];
    Biquad* lane[2];
  };
  std::array<CascadeSection, kBands * kMaxEqSections> cascade_{};
  int cascade_count_ = 0;

  // Linear phase.
  EqPhase phase_ = EqPhase::minimum;
  std::atomic<int> latency_{0};
  int fir_length_ = 0, partition_ = 0, kernel_taps_ = 0, linear_latency_ = 0;
  std::unique_ptr<RealFft> design_fft_;
  FftBuffer<std::complex<float>> design_spectrum_;
  FftBuffer<float> design_impulse_;
  std::array<std::vector<float>, 4> design_matrix_;  // per bin: M00 M01 M10 M11
  std::vector<float> window_, taps_;
  PartitionedConvolver convolver_;
  std::array<Settings, kBands> designed_{};
  bool designed_valid_ = false;
  long long stream_frames_ = 0;
};

const StageInfo& eq_info() noexcept;

}  // namespace lacquer::dsp
