// Linear-phase crossover: N bands of FIR filters that add up to a pure delay.
//
// Each split k is a zero-phase lowpass with the magnitude of a Linkwitz–Riley
// 4th-order lowpass, |H_k(f)| = 1 / (1 + (f/f_k)^4), made causal by a delay D.
// The bands are differences of neighbouring lowpasses and the top band is the
// delayed input minus the highest lowpass:
//   band 0 = h_1 * x,   band k = (h_{k+1} − h_k) * x,   band N−1 = x[n−D] − h_{N−1} * x,
// so they telescope to x[n − D] exactly, whatever the filters are (the
// complementary-FIR construction; Vaidyanathan, "Multirate Systems and Filter
// Banks", 1993, §3.4). The top band's magnitude, 1 − |H|, is the LR4
// highpass magnitude: both sides are −6 dB at f_k, 24 dB/octave away from it.
//
// The filters run as a uniformly partitioned overlap-save convolution
// (Wefers, "Partitioned convolution algorithms for real-time auralization",
// 2015) in partitions of P frames, which adds P frames of latency:
// latency = D + P.
#pragma once

#include <lacquer/dsp/fft.hpp>

#include <array>
#include <complex>
#include <memory>
#include <span>
#include <vector>

namespace lacquer::dsp {

class LinearPhaseCrossover {
 public:
  static constexpr int kMaxBands = 5;
  static constexpr int kMaxSplits = kMaxBands - 1;

  LinearPhaseCrossover();
  ~LinearPhaseCrossover();

  // Non-realtime: sizes the filters for the rate (about 85 ms of FIR), plans
  // the FFTs and allocates every buffer.
  void prepare(int channels, double sample_rate);
  void reset() noexcept;

  // Frequencies are sorted and kept below Nyquist. A new band count designs
  // at once; moved frequencies are designed at the next partition boundary
  // and crossfaded over that partition (no allocation; a few FFTs per moved
  // split, at most once per partition).
  void set_bands(int bands, std::span<const double> frequencies_hz) noexcept;
  int bands() const noexcept { return bands_; }

  int latency() const noexcept { return delay_ + partition_; }
  int taps() const noexcept { return 2 * delay_ + 1; }

  // `in[channel]`, `out[band][channel]`; out may not alias in.
  void process(const float* const* in, float* const* const* out, int frames) noexcept;

 private:
  void design(int bank, int split, double frequency_hz) noexcept;
  std::complex<float>* filter(int bank, int split, int partition) noexcept;
  void convolve(int bank, int split, const std::complex<float>* history, float* out) noexcept;
  void run_partition() noexcept;

  double sample_rate_ = 48000.0;
  int channels_ = 0;
  int partition_ = 256;  // P
  int delay_ = 2047;     // D; the FIR has 2D + 1 taps
  int partitions_ = 16;  // K = ceil((2D + 1) / P)
  int stride_ = 260;     // complex values per spectrum slot (P + 1, rounded up for alignment)
  int bands_ = 0;
  std::array<double, kMaxSplits> frequencies_{};  // wanted
  std::array<double, kMaxSplits> designed_{};     // in the active bank

  std::unique_ptr<RealFft> block_fft_;   // 2P
  std::unique_ptr<RealFft> design_fft_;  // design grid
  FftBuffer<float> design_time_;
  FftBuffer<std::complex<float>> design_spectrum_;
  FftBuffer<float> time_;                     // 2P scratch
  FftBuffer<std::complex<float>> spectrum_;   // P + 1 scratch
  FftBuffer<std::complex<float>> filters_;    // [bank][split][partition] spectra
  int active_bank_ = 0;
  FftBuffer<float> fade_;                     // P: the new filters' output while crossfading
  std::vector<float> kernel_;                 // one designed FIR, K·P long
  struct Channel {
    FftBuffer<float> input;                 // last 2P input samples
    FftBuffer<std::complex<float>> history; // [partition] input spectra, newest at `newest`
    std::vector<float> delayed;             // x[n − D] ring, D + P long
    std::vector<float> bands;               // [band][P] outputs of the last partition
  };
  std::vector<Channel> state_;
  int newest_ = 0;    // history slot of the latest partition
  int fill_ = 0;      // frames of the current partition taken in (and given out)
  int delayed_pos_ = 0;
};

}  // namespace lacquer::dsp
