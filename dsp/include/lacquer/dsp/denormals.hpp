// Scoped flush-to-zero / denormals-are-zero for the audio thread: decaying
// filter and envelope states would otherwise fall into denormals and cost
// hundreds of cycles per operation.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace lacquer::dsp {

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals() noexcept {
#if defined(__SSE__) || defined(__x86_64__)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved_));
    __asm__ __volatile__("msr fpcr, %0" ::"r"(saved_ | (1ull << 24)));
#endif
  }
  ~ScopedFlushDenormals() {
#if defined(__SSE__) || defined(__x86_64__)
    _mm_setcsr(saved_);
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" ::"r"(saved_));
#endif
  }
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
#if defined(__aarch64__)
  unsigned long long saved_ = 0;
#else
  unsigned saved_ = 0;
#endif
};

}  // namespace lacquer::dsp
