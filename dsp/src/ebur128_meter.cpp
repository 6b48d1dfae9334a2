#include <lacquer/dsp/ebur128_meter.hpp>

#include <ebur128.h>

#include <cmath>
#include <limits>
#include <new>

namespace lacquer::dsp {
namespace {

// BS.1770 channel weights through libebur128's channel types.
int ebur128_channel(ChannelRole role) noexcept {
  switch (role) {
    case ChannelRole::left: return EBUR128_LEFT;
    case ChannelRole::right: return EBUR128_RIGHT;
    case ChannelRole::center:
    case ChannelRole::mono:
    case ChannelRole::other: return EBUR128_CENTER;  // weight 1.0
    case ChannelRole::left_surround: return EBUR128_LEFT_SURROUND;   // +1.5 dB
    case ChannelRole::right_surround: return EBUR128_RIGHT_SURROUND;  // +1.5 dB
    case ChannelRole::lfe: return EBUR128_UNUSED;  // BS.1770 excludes the LFE
  }
  return EBUR128_CENTER;
}

}  // namespace

struct Ebur128Meter::State {
  explicit State(ebur128_state* state) : st(state) {}
  ~State() { ebur128_destroy(&st); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ebur128_state* st;
};

Ebur128Meter::Ebur128Meter() = default;
Ebur128Meter::~Ebur128Meter() = default;
Ebur128Meter::Ebur128Meter(Ebur128Meter&&) noexcept = default;
Ebur128Meter& Ebur128Meter::operator=(Ebur128Meter&&) noexcept = default;

void Ebur128Meter::prepare(const ProcessSpec& spec, int mode) {
  const auto rate = static_cast<unsigned long>(std::lround(spec.sample_rate));
  ebur128_state* st = ebur128_init(static_cast<unsigned>(spec.channels), rate, mode);
  if (st == nullptr) throw std::bad_alloc();
  state_ = std::make_unique<State>(st);
  for (int c = 0; c < spec.channels; ++c) {
    ebur128_set_channel(st, static_cast<unsigned>(c),
                        ebur128_channel(spec.layout[static_cast<std::size_t>(c)]));
  }
  channels_ = spec.channels;
  interleaved_.assign(static_cast<std::size_t>(spec.max_block * spec.channels), 0.0f);
  hop_frames_ = static_cast<int>((rate + 5) / 10);
}

void Ebur128Meter::add(const float* const* audio, int offset, int frames) noexcept {
  for (int c = 0; c < channels_; ++c) {
    const float* in = audio[c] + offset;
    float* out = interleaved_.data() + c;
    for (int i = 0; i < frames; ++i) out[i * channels_] = in[i];
  }
  ebur128_add_frames_float(state_->st, interleaved_.data(), static_cast<std::size_t>(frames));
}

double Ebur128Meter::momentary() const noexcept {
  double lufs = -std::numeric_limits<double>::infinity();
  ebur128_loudness_momentary(state_->st, &lufs);
  return lufs;
}

double Ebur128Meter::short_term() const noexcept {
  double lufs = -std::numeric_limits<double>::infinity();
  ebur128_loudness_shortterm(state_->st, &lufs);
  return lufs;
}

double Ebur128Meter::last_sample_peak(int channel) const noexcept {
  double peak = 0.0;
  ebur128_prev_sample_peak(state_->st, static_cast<unsigned>(channel), &peak);
  return peak;
}

double Ebur128Meter::last_true_peak(int channel) const noexcept {
  double peak = 0.0;
  ebur128_prev_true_peak(state_->st, static_cast<unsigned>(channel), &peak);
  return peak;
}

}  // namespace lacquer::dsp
