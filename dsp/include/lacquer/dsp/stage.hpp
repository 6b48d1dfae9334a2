// The life cycle every stage follows.
//
//   prepare(spec)  non-realtime; allocates everything for the largest block
//   reset()        clears state; never allocates
//   process(...)   audio thread; planar float, in place; never allocates,
//                  locks, logs or throws
//   latency()      frames of delay the stage adds; constant for a given
//                  configuration
//
// Parameters are set from any thread with set(): it only stores a target in an
// atomic. The stage reads each parameter once per block (param()) and smooths
// audible ones itself. Meters are produced on the audio thread and read there
// (after process) by the faces.
#pragma once

#include <lacquer/dsp/stage_info.hpp>

#include <array>
#include <atomic>
#include <memory>

namespace lacquer::dsp {

// Where a channel plays; decides its BS.1770 weight and what mid/side means.
enum class ChannelRole : std::uint8_t {
  left, right, center, lfe, left_surround, right_surround, mono, other
};

inline constexpr int kMaxChannels = 8;

struct ProcessSpec {
  double sample_rate = 48000.0;
  int max_block = 4096;  // process() is never called with more frames
  int channels = 2;
  // Roles of the first `channels` entries; default_layout() fills the usual
  // ones (mono; L R; L R C; L R C LFE; L R C Ls Rs; ...).
  std::array<ChannelRole, kMaxChannels> layout = default_layout(2);

  static std::array<ChannelRole, kMaxChannels> default_layout(int channels) noexcept;
};

class Stage {
 public:
  explicit Stage(const StageInfo& info);
  virtual ~Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  const StageInfo& info() const noexcept { return info_; }

  virtual void prepare(const ProcessSpec& spec) = 0;
  virtual void reset() noexcept = 0;
  virtual void process(float* const* audio, int frames) noexcept = 0;
  virtual int latency() const noexcept { return 0; }
  // Largest latency any setting can give at the prepared rate (sizes the
  // bypass delay line).
  virtual int max_latency() const noexcept { return latency(); }

  // Meter `index` (a flat index of a Direction::meter param); channel -1 is
  // the value over all channels. Audio thread only.
  virtual float meter(int index, int channel) const noexcept;

  // Any thread. Values are clamped to the parameter's range; a trigger is
  // latched until the audio thread takes it.
  void set(int index, float value) noexcept;
  float get(int index) const noexcept;
  int param_count() const noexcept { return count_; }

 protected:
  float param(int index) const noexcept {
    return values_[index].load(std::memory_order_relaxed);
  }
  // Audio thread: true once per set() of a trigger parameter.
  bool take_trigger(int index) noexcept {
    return values_[index].exchange(0.0f, std::memory_order_acq_rel) > 0.5f;
  }

 private:
  const StageInfo& info_;
  int count_;
  std::unique_ptr<std::atomic<float>[]> values_;
};

}  // namespace lacquer::dsp
