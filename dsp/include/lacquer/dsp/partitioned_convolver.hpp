// Uniformly partitioned overlap-save FFT convolution (Wefers, "Partitioned
// convolution algorithms for real-time auralization", 2015, ch. 5), from any
// of its inputs to any of its outputs, with click-free kernel changes.
//
// Every path in -> out has its own kernel; a path can also be a plain delay,
// which is computed exactly (no FFT round-off), so an identity kernel passes
// audio bit for bit. Kernels are loaded into a spare slot while the current
// ones keep running (no allocation, FFT plans made in prepare) and take over
// with a crossfade of one partition.
//
// The convolver adds one partition of latency: the output of frame n is
// sum_m k[m] x[n - partition - m].
//
// Stereo kernels can be given in the mid/side domain (M = (L + R) / 2,
// S = (L - R) / 2 in, L = M + S, R = M - S out): the conversions happen on
// the spectra, once per partition, and a filter that treats mid and side
// apart -- or both alike -- needs two kernel paths instead of four.
// Partitions of a kernel that are all zero cost nothing.
#pragma once

#include <array>
#include <complex>
#include <lacquer/dsp/fft.hpp>
#include <memory>
#include <vector>

namespace lacquer::dsp {

class PartitionedConvolver {
 public:
  static constexpr int kMaxPorts = 2;
  enum class Domain : unsigned char { left_right, mid_side };

  PartitionedConvolver();
  ~PartitionedConvolver();

  // Non-realtime. `partition` is a power of two; kernels hold up to
  // `max_kernel` taps. `kernels`: the domain of set_kernel's ports
  // (mid_side needs two inputs and two outputs); delays are always left/right.
  void prepare(int inputs, int outputs, int partition, int max_kernel,
               Domain kernels = Domain::left_right);
  // Clears the audio history; kernels stay.
  void reset() noexcept;

  int partition() const noexcept { return partition_; }
  int latency() const noexcept { return partition_; }

  // Loading the next kernel set (audio thread, no allocation): start, give
  // every path that is not silent, then commit. Paths not given are silent.
  void begin_kernels() noexcept;
  void set_kernel(int output, int input, const float* taps, int count) noexcept;
  void set_delay(int output, int input, int delay, float gain) noexcept;
  // The loaded set takes over at the next partition, crossfading from the
  // current one over that partition (or at once).
  void commit_kernels(bool crossfade) noexcept;
  // True while a committed set is still fading in.
  bool fading() const noexcept { return fade_pending_ || fading_; }

  // In place, planar, any number of frames; channel c is input c and output c.
  void process(float* const* audio, int frames) noexcept;

 private:
  enum class PathKind : unsigned char { silent, kernel, delay };
  struct Path {
    PathKind kind = PathKind::silent;
    int delay = 0;
    float gain = 0.0f;
    int first_part = 0, end_part = 0;  // kernel partitions that are not all zero
  };
  struct KernelSet {
    std::array<std::array<Path, kMaxPorts>, kMaxPorts> paths{};
    // [output][input][partition] spectra, split real / imaginary.
    std::vector<float> re, im;
  };

  void process_partition() noexcept;
  void render(const KernelSet& set, float* const* out) noexcept;
  bool accumulate(const KernelSet& set, int output, float* acc_re, float* acc_im) noexcept;
  std::size_t spectrum_offset(int output, int input, int part) const noexcept;

  int inputs_ = 0, outputs_ = 0;
  Domain domain_ = Domain::left_right;
  int partition_ = 0, bins_ = 0, parts_ = 0;
  std::unique_ptr<RealFft> fft_;
  FftBuffer<float> time_;
  FftBuffer<std::complex<float>> spectrum_;
  // Frequency-domain delay line: [input][part] spectra, split.
  std::vector<float> fdl_re_, fdl_im_;
  int fdl_head_ = 0;
  std::vector<float> acc_re_, acc_im_;  // per output
  // Time-domain history per input (overlap-save frames and delay paths):
  // ring of max_kernel + 2 partitions.
  std::vector<std::vector<float>> history_;
  int history_size_ = 0, history_pos_ = 0;
  // Streaming: the partition being filled and the one being played out.
  std::vector<std::vector<float>> in_block_, out_block_, old_block_;
  std::vector<float> fade_;
  int fill_ = 0;

  std::array<KernelSet, 3> slots_;
  int active_ = 0, previous_ = 1, loading_ = 2;
  bool fade_pending_ = false, fading_ = false;
};

}  // namespace lacquer::dsp
