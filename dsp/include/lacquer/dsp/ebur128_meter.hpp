// One libebur128 state set up for a stream: BS.1770 channel weights from the
// ProcessSpec's layout (LFE excluded, surrounds +1.5 dB), fed planar audio.
//
// Only the modes that keep no block history are meant here (momentary,
// short-term, sample and true peak): libebur128 then never allocates after
// prepare(). Gating that needs history lives in LoudnessHistogram.
#pragma once

#include <lacquer/dsp/stage.hpp>

#include <memory>
#include <vector>

namespace lacquer::dsp {

class Ebur128Meter {
 public:
  Ebur128Meter();
  ~Ebur128Meter();
  Ebur128Meter(Ebur128Meter&&) noexcept;
  Ebur128Meter& operator=(Ebur128Meter&&) noexcept;

  // Allocates the state (`mode`: EBUR128_MODE_* flags) and room to interleave
  // spec.max_block frames. Throws std::bad_alloc when libebur128 refuses.
  void prepare(const ProcessSpec& spec, int mode);

  // Audio thread: frames [offset, offset + frames) of planar audio,
  // frames <= spec.max_block.
  void add(const float* const* audio, int offset, int frames) noexcept;

  // LUFS of the last 400 ms / 3 s; -inf for silence.
  double momentary() const noexcept;
  double short_term() const noexcept;
  // Linear peaks of the last add() call.
  double last_sample_peak(int channel) const noexcept;
  double last_true_peak(int channel) const noexcept;
  // libebur128's 100 ms in frames at the prepared rate.
  int hop_frames() const noexcept { return hop_frames_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::vector<float> interleaved_;
  int channels_ = 0;
  int hop_frames_ = 4800;
};

}  // namespace lacquer::dsp
