#include <lacquer/dsp/stage.hpp>

#include <algorithm>
#include <cmath>

namespace lacquer::dsp {

Stage::Stage(const StageInfo& info)
    : info_(info),
      count_(dsp::param_count(info)),
      values_(std::make_unique<std::atomic<float>[]>(static_cast<std::size_t>(count_))) {
  for (int i = 0; i < count_; ++i) {
    values_[i].store(param_at(info, i).param->def, std::memory_order_relaxed);
  }
}

float Stage::meter(int, int) const noexcept { return 0.0f; }

void Stage::set(int index, float value) noexcept {
  if (index < 0 || index >= count_ || std::isnan(value)) return;
  const Param& p = *param_at(info_, index).param;
  if (p.is_meter()) return;
  value = std::clamp(value, p.min, p.max);
  if (p.is_integer()) value = std::round(value);
  values_[index].store(value, std::memory_order_release);
}

float Stage::get(int index) const noexcept {
  if (index < 0 || index >= count_) return 0.0f;
  return values_[index].load(std::memory_order_acquire);
}

}  // namespace lacquer::dsp

namespace lacquer::dsp {

std::array<ChannelRole, kMaxChannels> ProcessSpec::default_layout(int channels) noexcept {
  using R = ChannelRole;
  std::array<R, kMaxChannels> roles{};
  roles.fill(R::other);
  switch (channels) {
    case 1: roles[0] = R::mono; break;
    case 2: roles = {R::left, R::right}; break;
    case 3: roles = {R::left, R::right, R::center}; break;
    case 4: roles = {R::left, R::right, R::left_surround, R::right_surround}; break;
    case 5: roles = {R::left, R::right, R::center, R::left_surround, R::right_surround}; break;
    default:  // 5.1 and up: SMPTE order L R C LFE Ls Rs, then others
      roles = {R::left, R::right, R::center, R::lfe, R::left_surround, R::right_surround};
      break;
  }
  for (int c = channels; c < kMaxChannels; ++c) roles[static_cast<std::size_t>(c)] = R::other;
  for (int c = 6; c < channels && c < kMaxChannels; ++c) roles[static_cast<std::size_t>(c)] = R::other;
  return roles;
}

}  // namespace lacquer::dsp
