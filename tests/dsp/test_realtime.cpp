// The audio path never allocates: malloc and friends are trapped around
// process(), parameter changes and meter reads, for every stage, with block
// sizes and settings changing between calls. (Not built under ASan, which
// owns malloc itself.)
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>
#include <lacquer/dsp/stage_runner.hpp>

#include "run_stage.hpp"
#include "settings.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <random>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
thread_local bool trap_armed = false;
std::atomic<long> trapped{0};

void note() {
  if (trap_armed) trapped.fetch_add(1, std::memory_order_relaxed);
}

// Arms the trap for the current scope on this thread.
struct AllocationTrap {
  AllocationTrap() { trap_armed = true; }
  ~AllocationTrap() { trap_armed = false; }
};
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) {
  note();
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
int posix_memalign(void** p, std::size_t alignment, std::size_t n) {
  note();
  *p = __libc_memalign(alignment, n);
  return *p != nullptr ? 0 : ENOMEM;
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  note();
  return __libc_memalign(alignment, n);
}
}

using namespace lacquer;

BOOST_AUTO_TEST_SUITE(realtime)

BOOST_AUTO_TEST_CASE(the_trap_sees_an_allocation) {
  long before = trapped.load();
  {
    AllocationTrap trap;
    auto* leak = new std::vector<int>(1000);  // must be seen
    delete leak;
  }
  BOOST_TEST(trapped.load() > before);
}

BOOST_AUTO_TEST_CASE(no_stage_allocates_while_processing) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    const int channels = info.min_channels <= 2 && info.max_channels >= 2 ? 2 : info.min_channels;
    auto runner = test::make_runner(info.symbol, 48000.0, channels, 1024);
    std::mt19937 rng(42);
    test::Planar audio(std::size_t(channels), test::white_noise(1024, -12.0, 9));
    std::vector<float*> ptrs;
    for (auto& ch : audio) ptrs.push_back(ch.data());
    runner->process(ptrs.data(), 1024);  // warm-up outside the trap

    const auto low = test::settings_at(info, 0.2f);
    const auto high = test::settings_at(info, 0.8f);
    const long before = trapped.load();
    {
      AllocationTrap trap;
      for (int call = 0; call < 300; ++call) {
        const auto& settings = call % 50 < 25 ? low : high;
        for (const auto& s : settings) runner->stage().set(s.ref.index, s.value);
        runner->set_bypass(call % 97 == 0);
        const int n = 1 + int(rng() % 1024);
        runner->process(ptrs.data(), n);
        for (int i = 0; i < runner->stage().param_count(); ++i) {
          if (dsp::param_at(info, i).param->is_meter()) (void)runner->stage().meter(i, -1);
        }
      }
    }
    BOOST_TEST(trapped.load() - before == 0, info.symbol << " allocated " << trapped.load() - before
                                                          << " times while processing");
  }
}

BOOST_AUTO_TEST_SUITE_END()
