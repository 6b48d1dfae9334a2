#include <algorithm>
#include <cmath>
#include <cstring>
#include <lacquer/dsp/partitioned_convolver.hpp>
#include <numbers>
#include <stdexcept>

namespace lacquer::dsp {
namespace {

// acc += x h, complex, split real / imaginary. The convolver's inner loop:
// where the CPU has AVX2 and FMA (x86-64-v3) a second copy runs eight bins
// per instruction with fused multiply-adds.
// (Not under ThreadSanitizer: gcc instruments the copy-picking resolver,
// which runs before the sanitizer's runtime has started.)
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("arch=x86-64-v3", "default"), optimize("fp-contract=fast")))
#endif
void multiply_accumulate(const float* __restrict xr, const float* __restrict xi,
                         const float* __restrict hr, const float* __restrict hi,
                         float* __restrict acc_re, float* __restrict acc_im, int count) noexcept {
  for (int k = 0; k < count; ++k) {
    acc_re[k] += xr[k] * hr[k] - xi[k] * hi[k];
    acc_im[k] += xr[k] * hi[k] + xi[k] * hr[k];
  }
}

}  // namespace

PartitionedConvolver::PartitionedConvolver() = default;
PartitionedConvolver::~PartitionedConvolver() = default;

void PartitionedConvolver::prepare(int inputs, int outputs, int partition, int max_kernel,
                                   Domain kernels) {
  if (inputs < 1 || inputs > kMaxPorts || outputs < 1 || outputs > kMaxPorts) {
    throw std::invalid_argument("convolver supports 1 or 2 inputs and outputs");
  }
  if (kernels == Domain::mid_side && (inputs != 2 || outputs != 2)) {
    throw std::invalid_argument("mid/side kernels need two inputs and two outputs");
  }
  inputs_ = inputs;
  outputs_ = outputs;
  domain_ = kernels;
  partition_ = partition;
  bins_ = partition + 1;
  parts_ = std::max(1, (max_kernel + partition - 1) / partition);
  fft_ = std::make_unique<RealFft>(2 * partition);
  time_ = FftBuffer<float>(static_cast<std::size_t>(2 * partition));
  spectrum_ = FftBuffer<std::complex<float>>(static_cast<std::size_t>(bins_));
  const auto spectra = [&](int paths) {
    return static_cast<std::size_t>(paths) * static_cast<std::size_t>(parts_) *
           static_cast<std::size_t>(bins_);
  };
  fdl_re_.assign(spectra(inputs), 0.0f);
  fdl_im_.assign(spectra(inputs), 0.0f);
  acc_re_.assign(static_cast<std::size_t>(outputs * bins_), 0.0f);
  acc_im_.assign(static_cast<std::size_t>(outputs * bins_), 0.0f);
  history_size_ = parts_ * partition + 2 * partition;
  history_.assign(static_cast<std::size_t>(inputs),
                  std::vector<float>(static_cast<std::size_t>(history_size_), 0.0f));
  const int ports = std::max(inputs, outputs);
  in_block_.assign(static_cast<std::size_t>(ports),
                   std::vector<float>(static_cast<std::size_t>(partition), 0.0f));
  out_block_ = in_block_;
  old_block_ = in_block_;
  fade_.resize(static_cast<std::size_t>(partition));
  for (int n = 0; n < partition; ++n) {
    fade_[static_cast<std::size_t>(n)] =
        static_cast<float>(0.5 - 0.5 * std::cos(std::numbers::pi * (n + 1) / partition));
  }
  for (KernelSet& set : slots_) {
    set.paths = {};
    set.re.assign(spectra(inputs * outputs), 0.0f);
    set.im.assign(spectra(inputs * outputs), 0.0f);
  }
  active_ = 0;
  previous_ = 1;
  loading_ = 2;
  fade_pending_ = fading_ = false;
  reset();
}

void PartitionedConvolver::reset() noexcept {
  std::fill(fdl_re_.begin(), fdl_re_.end(), 0.0f);
  std::fill(fdl_im_.begin(), fdl_im_.end(), 0.0f);
  for (auto& h : history_) std::fill(h.begin(), h.end(), 0.0f);
  for (auto& b : in_block_) std::fill(b.begin(), b.end(), 0.0f);
  for (auto& b : out_block_) std::fill(b.begin(), b.end(), 0.0f);
  fdl_head_ = 0;
  history_pos_ = 0;
  fill_ = 0;
  fade_pending_ = fading_ = false;
}

std::size_t PartitionedConvolver::spectrum_offset(int output, int input, int part) const noexcept {
  return (static_cast<std::size_t>(output * inputs_ + input) * static_cast<std::size_t>(parts_) +
          static_cast<std::size_t>(part)) *
         static_cast<std::size_t>(bins_);
}

void PartitionedConvolver::begin_kernels() noexcept { slots_[loading_].paths = {}; }

void PartitionedConvolver::set_kernel(int output, int input, const float* taps,
                                      int count) noexcept {
  KernelSet& set = slots_[loading_];
  Path path{PathKind::kernel, 0, 1.0f, parts_, 0};
  // The 1 / (2 P) of the unnormalised inverse FFT is folded into the kernel.
  const float scale = 1.0f / static_cast<float>(2 * partition_);
  for (int part = 0; part < parts_; ++part) {
    time_.clear();
    const int first = part * partition_;
    const int n = std::clamp(count - first, 0, partition_);
    bool empty = true;
    for (int i = 0; i < n; ++i) {
      time_[static_cast<std::size_t>(i)] = taps[first + i] * scale;
      empty = empty && taps[first + i] == 0.0f;
    }
    if (!empty) {
      path.first_part = std::min(path.first_part, part);
      path.end_part = part + 1;
    }
    fft_->forward(time_.data(), spectrum_.data());
    const std::size_t at = spectrum_offset(output, input, part);
    for (int k = 0; k < bins_; ++k) {
      set.re[at + static_cast<std::size_t>(k)] = spectrum_[static_cast<std::size_t>(k)].real();
      set.im[at + static_cast<std::size_t>(k)] = spectrum_[static_cast<std::size_t>(k)].imag();
    }
  }
  if (path.end_part == 0) path.first_part = 0;  // all zero: an empty range
  set.paths[output][input] = path;
}

void PartitionedConvolver::set_delay(int output, int input, int delay, float gain) noexcept {
  slots_[loading_].paths[output][input] = {PathKind::delay,
                                           std::clamp(delay, 0, parts_ * partition_), gain, 0, 0};
}

void PartitionedConvolver::commit_kernels(bool crossfade) noexcept {
  if (fade_pending_) {
    // The set committed before this one was never heard: replace it, and
    // keep fading from the one that is playing.
    std::swap(active_, loading_);
    return;
  }
  const int heard = active_;
  active_ = loading_;
  loading_ = previous_;
  previous_ = heard;
  fade_pending_ = crossfade;
}

void PartitionedConvolver::process(float* const* audio, int frames) noexcept {
  const int ports = std::max(inputs_, outputs_);
  for (int done = 0; done < frames;) {
    const int n = std::min(frames - done, partition_ - fill_);
    for (int c = 0; c < ports; ++c) {
      float* x = audio[c] + done;
      if (c < inputs_) std::memcpy(in_block_[c].data() + fill_, x, sizeof(float) * std::size_t(n));
      if (c < outputs_)
        std::memcpy(x, out_block_[c].data() + fill_, sizeof(float) * std::size_t(n));
    }
    fill_ += n;
    done += n;
    if (fill_ == partition_) {
      process_partition();
      fill_ = 0;
    }
  }
}

void PartitionedConvolver::process_partition() noexcept {
  const int p = partition_;
  // History and the frequency-domain delay line take the new partition.
  fdl_head_ = fdl_head_ + 1 == parts_ ? 0 : fdl_head_ + 1;
  for (int i = 0; i < inputs_; ++i) {
    float* h = history_[i].data();
    std::memcpy(h + history_pos_, in_block_[i].data(), sizeof(float) * std::size_t(p));
    // Overlap-save frame: the previous partition, then this one.
    const int prev = history_pos_ >= p ? history_pos_ - p : history_pos_ - p + history_size_;
    std::memcpy(time_.data(), h + prev, sizeof(float) * std::size_t(p));
    std::memcpy(time_.data() + p, h + history_pos_, sizeof(float) * std::size_t(p));
    fft_->forward(time_.data(), spectrum_.data());
    const std::size_t at = (static_cast<std::size_t>(i) * static_cast<std::size_t>(parts_) +
                            static_cast<std::size_t>(fdl_head_)) *
                           static_cast<std::size_t>(bins_);
    for (int k = 0; k < bins_; ++k) {
      fdl_re_[at + static_cast<std::size_t>(k)] = spectrum_[static_cast<std::size_t>(k)].real();
      fdl_im_[at + static_cast<std::size_t>(k)] = spectrum_[static_cast<std::size_t>(k)].imag();
    }
  }
  if (domain_ == Domain::mid_side) {
    // The delay line holds mid and side: M = (L + R) / 2, S = (L - R) / 2.
    const auto at = static_cast<std::size_t>(fdl_head_) * static_cast<std::size_t>(bins_);
    const auto side = static_cast<std::size_t>(parts_) * static_cast<std::size_t>(bins_);
    float* mid_re = fdl_re_.data() + at;
    float* mid_im = fdl_im_.data() + at;
    float* side_re = mid_re + side;
    float* side_im = mid_im + side;
    for (int k = 0; k < bins_; ++k) {
      const float l_re = mid_re[k], l_im = mid_im[k], r_re = side_re[k], r_im = side_im[k];
      mid_re[k] = 0.5f * (l_re + r_re);
      mid_im[k] = 0.5f * (l_im + r_im);
      side_re[k] = 0.5f * (l_re - r_re);
      side_im[k] = 0.5f * (l_im - r_im);
    }
  }
  fading_ = fade_pending_;
  fade_pending_ = false;
  float* out[kMaxPorts];
  float* old[kMaxPorts];
  for (int o = 0; o < outputs_; ++o) {
    out[o] = out_block_[static_cast<std::size_t>(o)].data();
    old[o] = old_block_[static_cast<std::size_t>(o)].data();
  }
  render(slots_[active_], out);
  if (fading_) {
    render(slots_[previous_], old);
    // Raised-cosine crossfade: no corner in the gain at either end, so the
    // change adds nothing broadband.
    const float* fade = fade_.data();
    for (int o = 0; o < outputs_; ++o) {
      for (int n = 0; n < p; ++n) out[o][n] = old[o][n] + fade[n] * (out[o][n] - old[o][n]);
    }
  }
  fading_ = false;
  history_pos_ += p;
  if (history_pos_ + p > history_size_) history_pos_ = 0;
}

// Sum over inputs and partitions of kernel spectrum times delayed input
// spectrum, for one output (of the kernel domain). False if no path is a kernel.
bool PartitionedConvolver::accumulate(const KernelSet& set, int output, float* acc_re,
                                      float* acc_im) noexcept {
  bool any_kernel = false;
  for (int i = 0; i < inputs_; ++i) {
    const Path& path = set.paths[output][i];
    if (path.kind != PathKind::kernel) continue;
    if (!any_kernel) {
      std::fill(acc_re, acc_re + bins_, 0.0f);
      std::fill(acc_im, acc_im + bins_, 0.0f);
      any_kernel = true;
    }
    int slot = fdl_head_ - path.first_part;
    if (slot < 0) slot += parts_;
    for (int part = path.first_part; part < path.end_part; ++part) {
      const std::size_t x_at = (static_cast<std::size_t>(i) * static_cast<std::size_t>(parts_) +
                                static_cast<std::size_t>(slot)) *
                               static_cast<std::size_t>(bins_);
      const float* xr = fdl_re_.data() + x_at;
      const float* xi = fdl_im_.data() + x_at;
      const std::size_t h_at = spectrum_offset(output, i, part);
      const float* hr = set.re.data() + h_at;
      const float* hi = set.im.data() + h_at;
      multiply_accumulate(xr, xi, hr, hi, acc_re, acc_im, bins_);
      slot = slot == 0 ? parts_ - 1 : slot - 1;
    }
  }
  return any_kernel;
}

void PartitionedConvolver::render(const KernelSet& set, float* const* out) noexcept {
  const int p = partition_;
  bool any[kMaxPorts] = {};
  for (int o = 0; o < outputs_; ++o) {
    any[o] = accumulate(set, o, acc_re_.data() + o * bins_, acc_im_.data() + o * bins_);
  }
  if (domain_ == Domain::mid_side && (any[0] || any[1])) {
    // Back to left/right: L = M + S, R = M - S.
    for (int o = 0; o < 2; ++o) {
      if (!any[o]) {
        std::fill(acc_re_.begin() + o * bins_, acc_re_.begin() + (o + 1) * bins_, 0.0f);
        std::fill(acc_im_.begin() + o * bins_, acc_im_.begin() + (o + 1) * bins_, 0.0f);
      }
    }
    float* mid_re = acc_re_.data();
    float* mid_im = acc_im_.data();
    float* side_re = mid_re + bins_;
    float* side_im = mid_im + bins_;
    for (int k = 0; k < bins_; ++k) {
      const float m_re = mid_re[k], m_im = mid_im[k], s_re = side_re[k], s_im = side_im[k];
      mid_re[k] = m_re + s_re;
      mid_im[k] = m_im + s_im;
      side_re[k] = m_re - s_re;
      side_im[k] = m_im - s_im;
    }
    any[0] = any[1] = true;
  }
  for (int o = 0; o < outputs_; ++o) {
    if (any[o]) {
      const float* acc_re = acc_re_.data() + o * bins_;
      const float* acc_im = acc_im_.data() + o * bins_;
      for (int k = 0; k < bins_; ++k)
        spectrum_[static_cast<std::size_t>(k)] = {acc_re[k], acc_im[k]};
      fft_->inverse(spectrum_.data(), time_.data());
      std::memcpy(out[o], time_.data() + p, sizeof(float) * std::size_t(p));
    } else {
      std::fill(out[o], out[o] + p, 0.0f);
    }
    // Delay paths: y[n] = g x[n - P - d], read straight from the history.
    for (int i = 0; i < inputs_; ++i) {
      const Path& path = set.paths[o][i];
      if (path.kind != PathKind::delay) continue;
      const float* h = history_[static_cast<std::size_t>(i)].data();
      int pos = history_pos_ - path.delay;
      while (pos < 0) pos += history_size_;
      for (int n = 0; n < p; ++n) {
        out[o][n] += path.gain == 1.0f ? h[pos] : path.gain * h[pos];
        pos = pos + 1 == history_size_ ? 0 : pos + 1;
      }
    }
  }
}

}  // namespace lacquer::dsp
