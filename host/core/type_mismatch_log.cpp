#include "core/type_mismatch_log.h"

#include <spdlog/spdlog.h>

namespace eventhost {

void TypeMismatchLog::report(const std::string& event,
                             const FieldMismatch& mismatch) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  State& state = log_[{event, mismatch.field}];
  if (state.last != std::chrono::steady_clock::time_point{} &&
      now - state.last < std::chrono::seconds(1)) {
    ++state.unlogged;
    return;
  }
  const std::string since = state.unlogged == 0
                                ? ""
                                : " (" + std::to_string(state.unlogged) +
                                      " more since the last report)";
  spdlog::warn("{}; accepted as --payload-check is lenient{}", mismatch.message,
               since);
  state.last = now;
  state.unlogged = 0;
}

void TypeMismatchLog::flush() {
  std::lock_guard lock(mutex_);
  for (auto& [which, state] : log_) {
    if (state.unlogged == 0) continue;
    spdlog::warn(
        "{}: {} more events with field \"{}\" of the wrong type accepted "
        "since the last report",
        which.first, state.unlogged, which.second);
    state.unlogged = 0;
  }
}

}  // namespace eventhost
