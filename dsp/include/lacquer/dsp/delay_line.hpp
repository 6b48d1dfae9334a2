// A multichannel delay line, planar and in place, preallocated for its longest
// delay. Changing the delay while running crossfades from the old tap to the
// new one (a jump of the read position would click).
#pragma once

#include <algorithm>
#include <vector>

namespace lacquer::dsp {

class DelayLine {
 public:
  // Non-realtime: allocates for delays up to `max_delay` frames.
  void prepare(int channels, int max_delay, int crossfade_frames) {
    max_delay_ = std::max(0, max_delay);
    size_ = max_delay_ + 1;
    buffer_.assign(static_cast<std::size_t>(channels),
                   std::vector<float>(static_cast<std::size_t>(size_), 0.0f));
    crossfade_frames_ = std::max(1, crossfade_frames);
    delay_ = std::min(delay_, max_delay_);
    reset();
  }

  void reset() noexcept {
    for (auto& ring : buffer_) std::fill(ring.begin(), ring.end(), 0.0f);
    write_pos_ = 0;
    old_delay_ = delay_;
    fade_left_ = 0;
    fresh_ = true;
  }

  // Takes effect with a crossfade once audio has gone in (before that, at
  // once); while a crossfade runs, a newer request restarts it from the tap
  // being faded out.
  void set_delay(int frames) noexcept {
    frames = std::clamp(frames, 0, max_delay_);
    if (frames == delay_) return;
    old_delay_ = fade_left_ > 0 ? old_delay_ : delay_;
    delay_ = frames;
    fade_left_ = fresh_ ? 0 : crossfade_frames_;
  }
  int delay() const noexcept { return delay_; }
  int max_delay() const noexcept { return max_delay_; }

  void process(float* const* audio, int channels, int frames) noexcept {
    channels = std::min(channels, static_cast<int>(buffer_.size()));
    int fade_left = fade_left_;
    for (int c = 0; c < channels; ++c) {
      float* ring = buffer_[static_cast<std::size_t>(c)].data();
      float* x = audio[c];
      int write = write_pos_;
      int read = wrap(write - delay_);
      int read_old = wrap(write - old_delay_);
      fade_left = fade_left_;
      for (int i = 0; i < frames; ++i) {
        ring[write] = x[i];
        if (fade_left > 0) {
          // Linear crossfade: the taps are the same signal at two delays, so
          // their correlation keeps the level steady enough over a few ms.
          const float old_weight =
              static_cast<float>(fade_left) / static_cast<float>(crossfade_frames_);
          x[i] = old_weight * ring[read_old] + (1.0f - old_weight) * ring[read];
          --fade_left;
        } else {
          x[i] = ring[read];
        }
        write = write + 1 == size_ ? 0 : write + 1;
        read = read + 1 == size_ ? 0 : read + 1;
        read_old = read_old + 1 == size_ ? 0 : read_old + 1;
      }
    }
    fade_left_ = fade_left;
    write_pos_ = (write_pos_ + frames) % size_;
    fresh_ = fresh_ && frames == 0;
  }

 private:
  int wrap(int pos) const noexcept { return pos < 0 ? pos + size_ : pos; }

  std::vector<std::vector<float>> buffer_;
  int size_ = 1;
  int max_delay_ = 0;
  int delay_ = 0;
  int old_delay_ = 0;
  int write_pos_ = 0;
  int crossfade_frames_ = 1;
  int fade_left_ = 0;
  bool fresh_ = true;  // nothing written since reset
};

}  // namespace lacquer::dsp
