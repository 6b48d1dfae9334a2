#include <lacquer/dsp/crossover.hpp>
#include <lacquer/dsp/linear_phase_crossover.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

namespace lacquer::dsp {

LinearPhaseCrossover::LinearPhaseCrossover() = default;
LinearPhaseCrossover::~LinearPhaseCrossover() = default;

void LinearPhaseCrossover::prepare(int channels, double sample_rate) {
  sample_rate_ = sample_rate;
  channels_ = std::max(channels, 0);
  // About 85 ms of FIR at every rate: at 48 kHz, 4095 taps in 16 partitions
  // of 256 frames, which resolves a 20 Hz split to within a few dB.
  // The FFT sizes must be powers of two: a ratio of 3 (120 to 168 kHz) is
  // taken down to 2.
  const int scale = static_cast<int>(std::bit_floor(static_cast<unsigned>(
      std::clamp(static_cast<int>(std::lround(sample_rate / 48000.0)), 1, 4))));
  partition_ = 256 * scale;
  delay_ = 2048 * scale - 1;
  partitions_ = (taps() + partition_ - 1) / partition_;
  stride_ = (partition_ + 1 + 3) & ~3;  // keeps every slot 32-byte aligned
  block_fft_ = std::make_unique<RealFft>(2 * partition_);
  design_fft_ = std::make_unique<RealFft>(4 * partitions_ * partition_);
  design_time_ = FftBuffer<float>(static_cast<std::size_t>(design_fft_->size()));
  design_spectrum_ = FftBuffer<std::complex<float>>(static_cast<std::size_t>(design_fft_->bins()));
  time_ = FftBuffer<float>(static_cast<std::size_t>(2 * partition_));
  spectrum_ = FftBuffer<std::complex<float>>(static_cast<std::size_t>(stride_));
  filters_ = FftBuffer<std::complex<float>>(static_cast<std::size_t>(2 * kMaxSplits * partitions_ * stride_));
  fade_ = FftBuffer<float>(static_cast<std::size_t>(partition_));
  kernel_.assign(static_cast<std::size_t>(partitions_ * partition_), 0.0f);
  state_.clear();
  for (int c = 0; c < channels_; ++c) {
    Channel ch;
    ch.input = FftBuffer<float>(static_cast<std::size_t>(2 * partition_));
    ch.history = FftBuffer<std::complex<float>>(static_cast<std::size_t>(partitions_ * stride_));
    ch.delayed.assign(static_cast<std::size_t>(delay_ + partition_), 0.0f);
    ch.bands.assign(static_cast<std::size_t>(kMaxBands * partition_), 0.0f);
    state_.push_back(std::move(ch));
  }
  const int bands = bands_ > 0 ? bands_ : 2;
  const std::array<double, kMaxSplits> f = frequencies_;
  bands_ = 0;  // forces a full design
  set_bands(bands, f);
  reset();
}

void LinearPhaseCrossover::reset() noexcept {
  for (Channel& ch : state_) {
    ch.input.clear();
    ch.history.clear();
    std::fill(ch.delayed.begin(), ch.delayed.end(), 0.0f);
    std::fill(ch.bands.begin(), ch.bands.end(), 0.0f);
  }
  newest_ = 0;
  fill_ = 0;
  delayed_pos_ = 0;
}

void LinearPhaseCrossover::set_bands(int bands, std::span<const double> frequencies_hz) noexcept {
  bands = std::clamp(bands, 2, kMaxBands);
  const std::array<double, kMaxSplits> f = Crossover::split_frequencies(bands, frequencies_hz, 10.0, 0.45 * sample_rate_);
  frequencies_ = f;
  if (!block_fft_) {  // not prepared yet: remember only
    bands_ = bands;
    return;
  }
  if (bands != bands_) {
    // A new band count is a new configuration: design at once, no crossfade.
    bands_ = bands;
    for (int k = 0; k < bands - 1; ++k) design(active_bank_, k, f[static_cast<std::size_t>(k)]);
    designed_ = f;
  }
  // Moved frequencies are designed at the next partition boundary, and
  // crossfaded there (run_partition).
}

void LinearPhaseCrossover::design(int bank, int split, double frequency_hz) noexcept {
  // Zero-phase LR4 lowpass magnitude sampled on a grid four times the FIR
  // length (little time aliasing), back to the time domain.
  const int size = design_fft_->size();
  for (int m = 0; m < design_fft_->bins(); ++m) {
    const double ratio = m * sample_rate_ / size / frequency_hz;
    const double r2 = ratio * ratio;
    design_spectrum_[static_cast<std::size_t>(m)] = static_cast<float>(1.0 / (1.0 + r2 * r2));
  }
  design_fft_->inverse(design_spectrum_.data(), design_time_.data());
  // Centre on D, unity gain at DC. Tukey window (flat over the middle half,
  // raised-cosine ends): the response decays fast enough to be untouched there
  // for splits above ~60 Hz, where a bell-shaped window would smear the
  // transition by its main lobe (tens of Hz for 85 ms).
  const int taps_count = taps();
  double sum = 0.0;
  std::fill(kernel_.begin(), kernel_.end(), 0.0f);
  for (int i = 0; i < taps_count; ++i) {
    const int t = i - delay_;
    const double edge = std::fabs(double(t)) / delay_;  // 0 at the centre, 1 at the ends
    const double window = edge <= 0.5 ? 1.0 : 0.5 + 0.5 * std::cos(std::numbers::pi * (edge - 0.5) / 0.5);
    const double h = double(design_time_[static_cast<std::size_t>((t + size) % size)]) * window;
    kernel_[static_cast<std::size_t>(i)] = static_cast<float>(h);
    sum += h;
  }
  const float norm = static_cast<float>(1.0 / (sum * 2.0 * partition_));  // also undoes the block FFT's gain
  for (int k = 0; k < partitions_; ++k) {
    time_.clear();
    for (int j = 0; j < partition_; ++j) {
      time_[static_cast<std::size_t>(j)] = kernel_[static_cast<std::size_t>(k * partition_ + j)] * norm;
    }
    std::complex<float>* slot = filter(bank, split, k);
    block_fft_->forward(time_.data(), slot);
  }
}

void LinearPhaseCrossover::process(const float* const* in, float* const* const* out, int frames) noexcept {
  for (int done = 0; done < frames;) {
    const int n = std::min(frames - done, partition_ - fill_);
    for (int c = 0; c < channels_; ++c) {
      Channel& ch = state_[static_cast<std::size_t>(c)];
      std::copy_n(in[c] + done, n, ch.input.data() + partition_ + fill_);
      for (int b = 0; b < bands_; ++b) {
        std::copy_n(ch.bands.data() + b * partition_ + fill_, n, out[b][c] + done);
      }
    }
    fill_ += n;
    done += n;
    if (fill_ == partition_) {
      run_partition();
      fill_ = 0;
    }
  }
}

std::complex<float>* LinearPhaseCrossover::filter(int bank, int split, int partition) noexcept {
  return filters_.data() + ((bank * kMaxSplits + split) * partitions_ + partition) * stride_;
}

// Y = sum over partitions k of H_k · X_{newest − k}, back to the time domain:
// P samples of lowpass `split` into `out`.
void LinearPhaseCrossover::convolve(int bank, int split, const std::complex<float>* history, float* out) noexcept {
  const int bins = partition_ + 1;
  // Interleaved re/im floats: std::complex multiplication checks for NaN and is slow.
  float* y = reinterpret_cast<float*>(spectrum_.data());
  std::fill_n(y, 2 * bins, 0.0f);
  for (int k = 0; k < partitions_; ++k) {
    int slot = newest_ - k;
    if (slot < 0) slot += partitions_;
    const float* h = reinterpret_cast<const float*>(filter(bank, split, k));
    const float* x = reinterpret_cast<const float*>(history + slot * stride_);
    for (int m = 0; m < 2 * bins; m += 2) {
      y[m] += h[m] * x[m] - h[m + 1] * x[m + 1];
      y[m + 1] += h[m] * x[m + 1] + h[m + 1] * x[m];
    }
  }
  block_fft_->inverse(spectrum_.data(), time_.data());
  std::copy_n(time_.data() + partition_, partition_, out);
}

void LinearPhaseCrossover::run_partition() noexcept {
  const int p = partition_;
  const int ring = delay_ + p;
  const int splits = bands_ - 1;
  newest_ = newest_ + 1 == partitions_ ? 0 : newest_ + 1;

  // Moved split frequencies: design them into the idle bank (at most once
  // per partition, however often they move), then fade from the old filters'
  // output to the new ones' over this partition. Both convolve the same
  // input history, so the new output is exact from its first sample.
  bool switching = false;
  for (int k = 0; k < splits; ++k) switching = switching || frequencies_[static_cast<std::size_t>(k)] != designed_[static_cast<std::size_t>(k)];
  const int next_bank = 1 - active_bank_;
  for (int k = 0; switching && k < splits; ++k) {
    const auto j = static_cast<std::size_t>(k);
    if (frequencies_[j] != designed_[j]) {
      design(next_bank, k, frequencies_[j]);
    } else {
      std::copy_n(filter(active_bank_, k, 0), partitions_ * stride_, filter(next_bank, k, 0));
    }
  }

  for (Channel& ch : state_) {
    std::complex<float>* history = ch.history.data();
    block_fft_->forward(ch.input.data(), history + newest_ * stride_);
    // The delayed input: write this partition, read D frames back.
    for (int i = 0; i < p; ++i) ch.delayed[static_cast<std::size_t>((delayed_pos_ + i) % ring)] = ch.input[static_cast<std::size_t>(p + i)];
    std::copy_n(ch.input.data() + p, p, ch.input.data());

    float* bands = ch.bands.data();
    for (int s = 0; s < splits; ++s) {
      float* lowpass = bands + s * p;  // lowpass s, for now
      convolve(active_bank_, s, history, lowpass);
      if (switching) {
        convolve(next_bank, s, history, fade_.data());
        const float step = 1.0f / static_cast<float>(p);
        for (int i = 0; i < p; ++i) lowpass[i] += static_cast<float>(i + 1) * step * (fade_[static_cast<std::size_t>(i)] - lowpass[i]);
      }
    }
    // Lowpasses -> bands, top band from the delayed input, so they telescope.
    float* top = bands + splits * p;
    for (int i = 0; i < p; ++i) top[i] = ch.delayed[static_cast<std::size_t>((delayed_pos_ + i + p) % ring)];
    for (int s = splits - 1; s >= 0; --s) {
      float* upper = bands + (s + 1) * p;
      const float* lowpass = bands + s * p;
      for (int i = 0; i < p; ++i) upper[i] -= lowpass[i];
    }
  }
  delayed_pos_ = (delayed_pos_ + p) % ring;
  if (switching) {
    active_bank_ = next_bank;
    designed_ = frequencies_;
  }
}

}  // namespace lacquer::dsp
