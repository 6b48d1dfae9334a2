#include <fftw3.h>

#include <cstring>
#include <lacquer/dsp/fft.hpp>
#include <mutex>
#include <new>
#include <stdexcept>

namespace lacquer::dsp {
namespace {

// FFTW's planner and plan destruction share global state.
std::mutex& planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

template <typename T>
FftBuffer<T>::FftBuffer(std::size_t size) : size_(size) {
  void* p = fftwf_malloc(size * sizeof(T) + (size == 0 ? 1 : 0));
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, size * sizeof(T));
  data_.reset(static_cast<T*>(p));
}

template <typename T>
void FftBuffer<T>::clear() noexcept {
  if (size_ > 0) std::memset(static_cast<void*>(data_.get()), 0, size_ * sizeof(T));
}

template <typename T>
void FftBuffer<T>::Free::operator()(T* p) const noexcept {
  fftwf_free(p);
}

template class FftBuffer<float>;
template class FftBuffer<std::complex<float>>;

struct RealFft::Plans {
  fftwf_plan forward = nullptr;
  fftwf_plan inverse = nullptr;
};

RealFft::RealFft(int size) : size_(size), plans_(std::make_unique<Plans>()) {
  if (size < 2 || (size & (size - 1)) != 0)
    throw std::invalid_argument("FFT size must be a power of two");
  FftBuffer<float> time(static_cast<std::size_t>(size));
  FftBuffer<std::complex<float>> spectrum(static_cast<std::size_t>(bins()));
  auto* freq = reinterpret_cast<fftwf_complex*>(spectrum.data());
  std::lock_guard<std::mutex> lock(planner_mutex());
  // FFTW_ESTIMATE: planning must not take seconds in prepare(), and it leaves
  // the arrays alone.
  plans_->forward = fftwf_plan_dft_r2c_1d(size, time.data(), freq, FFTW_ESTIMATE);
  plans_->inverse = fftwf_plan_dft_c2r_1d(size, freq, time.data(), FFTW_ESTIMATE);
  if (plans_->forward == nullptr || plans_->inverse == nullptr) {
    if (plans_->forward != nullptr) fftwf_destroy_plan(plans_->forward);
    if (plans_->inverse != nullptr) fftwf_destroy_plan(plans_->inverse);
    throw std::runtime_error("FFTW could not plan");
  }
}

RealFft::~RealFft() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  fftwf_destroy_plan(plans_->forward);
  fftwf_destroy_plan(plans_->inverse);
}

void RealFft::forward(const float* time, std::complex<float>* spectrum) const noexcept {
  // FFTW's r2c never writes its input; the signature just lacks const.
  fftwf_execute_dft_r2c(plans_->forward, const_cast<float*>(time),
                        reinterpret_cast<fftwf_complex*>(spectrum));
}

void RealFft::inverse(std::complex<float>* spectrum, float* time) const noexcept {
  fftwf_execute_dft_c2r(plans_->inverse, reinterpret_cast<fftwf_complex*>(spectrum), time);
}

}  // namespace lacquer::dsp
