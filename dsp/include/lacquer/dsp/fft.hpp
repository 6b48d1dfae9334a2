// Real FFT of a power-of-two size over FFTW3f, safe to execute on the audio
// thread.
//
// FFTW's planner is not thread-safe (FFTW manual, "Thread safety"): plans are
// created and destroyed under one process-wide mutex, in prepare() time code
// only. Execution uses the new-array functions (fftwf_execute_dft_r2c/c2r),
// which are thread-safe and never plan, on buffers from fftwf_malloc so they
// have the alignment the plan was made for (FftBuffer).
#pragma once

#include <complex>
#include <cstddef>
#include <memory>

namespace lacquer::dsp {

// A zero-initialised array allocated with fftwf_malloc (SIMD-aligned).
template <typename T>
class FftBuffer {
 public:
  FftBuffer() = default;
  explicit FftBuffer(std::size_t size);
  T* data() noexcept { return data_.get(); }
  const T* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  void clear() noexcept;

 private:
  struct Free {
    void operator()(T* p) const noexcept;
  };
  std::unique_ptr<T[], Free> data_;
  std::size_t size_ = 0;
};

extern template class FftBuffer<float>;
extern template class FftBuffer<std::complex<float>>;

class RealFft {
 public:
  // `size` must be a power of two >= 2. Allocates and plans (not realtime).
  explicit RealFft(int size);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  int size() const noexcept { return size_; }
  int bins() const noexcept { return size_ / 2 + 1; }

  // `time` holds size() samples, `spectrum` bins() values; both from an
  // FftBuffer. Unnormalised: inverse(forward(x)) == size() * x.
  void forward(const float* time, std::complex<float>* spectrum) const noexcept;
  // Overwrites `spectrum` (FFTW's complex-to-real transforms destroy their input).
  void inverse(std::complex<float>* spectrum, float* time) const noexcept;

 private:
  struct Plans;
  int size_;
  std::unique_ptr<Plans> plans_;
};

}  // namespace lacquer::dsp
