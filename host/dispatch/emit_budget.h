// EmitBudget -- how many events one plugin may emit a second (its
// manifest's "max_emits_per_second"), checked on every emit it makes.
//
// A window opens at an emit and admits `per_second` emits; the first emit
// a second or more after the window opened opens the next one. A burst
// therefore gets at most `per_second` emits through in its first second,
// however fast it runs, and a plugin that stays under the cap never
// notices. Windows are counted from the emit, not from wall-clock seconds,
// so a burst is never split across two windows by chance.
//
// Thread-safety: take() may be called from any number of threads at once;
// it is lock-free (one clock read and one compare-and-swap on this
// plugin's own word, never a shared one). set_per_second() at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace eventhost {

class EmitBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // The manifest's default (loader/manifest.h says why this figure).
  static constexpr std::uint32_t kDefaultPerSecond = 10000;
  // The largest cap a window can count; larger values mean this one.
  static constexpr std::uint32_t kMaxPerSecond = (1u << 24) - 1;

  explicit EmitBudget(std::uint32_t per_second = kDefaultPerSecond);
  EmitBudget(const EmitBudget&) = delete;
  EmitBudget& operator=(const EmitBudget&) = delete;

  // Sets the cap (at least 1, at most kMaxPerSecond); the current window
  // keeps what it counted.
  void set_per_second(std::uint32_t per_second);
  std::uint32_t per_second() const {
    return per_second_.load(std::memory_order_relaxed);
  }

  // Counts one emit made at `now`; false if this window is used up.
  bool take(Clock::time_point now);
  bool take() { return take(Clock::now()); }

 private:
  const Clock::time_point epoch_;
  std::atomic<std::uint32_t> per_second_;
  // The window: when it opened, in ms since epoch_ plus one (0 = no window
  // yet), in the high 40 bits; emits it admitted in the low 24.
  std::atomic<std::uint64_t> window_{0};
};

}  // namespace eventhost
