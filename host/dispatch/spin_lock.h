// SpinLock -- a lock for critical sections of a few dozen instructions that
// a producer and a pool thread take on every delivery (a runner's queue,
// the dispatcher's ready lists).
//
// Why not std::mutex: when the two sides meet, a mutex puts the loser to
// sleep in the kernel and the winner's unlock has to wake it (a futex wait
// and a futex wake per collision); perf showed those two syscalls and the
// context switches as the largest single cost of dispatching to one
// plugin. Here the loser spins briefly (the holder is a few hundred
// nanoseconds from done) and then yields its core, so a holder that was
// preempted on a busy machine gets to run instead of being spun against.
//
// Meets the standard Lockable requirements (std::lock_guard works).
// Thread-safety: any thread. Not recursive. Hold it only for short,
// non-blocking work: no I/O, no plugin code, no waiting.
#pragma once

#include <atomic>
#include <thread>

namespace eventhost {

class SpinLock {
 public:
  void lock() noexcept {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      wait_until_free();
    }
  }

  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  // The CPU's spin-wait hint: eases the core (and its sibling) while a
  // thread polls memory another core will change.
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

 private:
  // Reads (no writes, so the line is not bounced) until the lock looks
  // free: a bounded spin, then yielding the core between looks.
  void wait_until_free() noexcept {
    constexpr int kSpins = 64;
    for (int i = 0; locked_.load(std::memory_order_relaxed); ++i) {
      if (i < kSpins) {
        pause();
      } else {
        std::this_thread::yield();
      }
    }
  }

  std::atomic<bool> locked_{false};
};

}  // namespace eventhost
