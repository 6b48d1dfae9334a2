// A parameter value that moves to a new target in a straight line over a set
// number of frames, then lands exactly on the target (so a neutral setting is
// bit-exact once the ramp is over).
#pragma once

namespace lacquer::dsp {

class LinearRamp {
 public:
  // Jumps to `value` with no ramp.
  void reset(double value) noexcept {
    value_ = target_ = value;
    step_ = 0.0;
    frames_left_ = 0;
  }

  // Starts a ramp from the current value to `target` lasting `frames` frames.
  // Setting the target it already moves to changes nothing.
  void set_target(double target, int frames) noexcept {
    if (target == target_) return;
    target_ = target;
    if (frames <= 0) {
      reset(target);
      return;
    }
    step_ = (target_ - value_) / frames;
    frames_left_ = frames;
  }

  // Moves `frames` frames along the ramp and returns the new value.
  double advance(int frames) noexcept {
    if (frames_left_ <= 0) return value_;
    if (frames >= frames_left_) {
      reset(target_);
      return value_;
    }
    value_ += step_ * frames;
    frames_left_ -= frames;
    return value_;
  }

  double value() const noexcept { return value_; }
  double target() const noexcept { return target_; }
  bool moving() const noexcept { return frames_left_ > 0; }

 private:
  double value_ = 0.0;
  double target_ = 0.0;
  double step_ = 0.0;
  int frames_left_ = 0;
};

}  // namespace lacquer::dsp
