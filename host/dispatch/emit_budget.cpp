#include "dispatch/emit_budget.h"

#include <algorithm>

#include "loader/manifest.h"

namespace eventhost {
namespace {

constexpr int kCountBits = 24;
constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kCountBits) - 1;
constexpr std::int64_t kWindowMs = 1000;
static_assert(EmitBudget::kDefaultPerSecond == kDefaultMaxEmitsPerSecond);

}  // namespace

EmitBudget::EmitBudget(std::uint32_t per_second)
    : epoch_(Clock::now()),
      per_second_(std::clamp(per_second, 1u, kMaxPerSecond)) {}

void EmitBudget::set_per_second(std::uint32_t per_second) {
  per_second_.store(std::clamp(per_second, 1u, kMaxPerSecond),
                    std::memory_order_relaxed);
}

bool EmitBudget::take(Clock::time_point now) {
  const std::int64_t ms = std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - epoch_)
              .count() +
          1,
      1);
  const std::uint64_t cap = per_second_.load(std::memory_order_relaxed);
  std::uint64_t current = window_.load(std::memory_order_relaxed);
  for (;;) {
    const auto opened = static_cast<std::int64_t>(current >> kCountBits);
    const std::uint64_t used = current & kCountMask;
    std::uint64_t next;
    // A clock read just before another thread opened the window (ms a
    // little below `opened`) still belongs to that window.
    if (opened == 0 || ms - opened >= kWindowMs) {
      next = (static_cast<std::uint64_t>(ms) << kCountBits) | 1;
    } else if (used >= cap) {
      return false;
    } else {
      next = current + 1;
    }
    if (window_.compare_exchange_weak(current, next,
                                      std::memory_order_relaxed)) {
      return true;
    }
  }
}

}  // namespace eventhost
