// EmitGuard -- the host's brakes on what plugins emit, so that no plugin
// can start an endless storm: the causal depth limit (an event a plugin
// emits while handling E is one deeper than E; past `max_depth` the emit
// is refused, see dispatch/event.h) and each plugin's per-second budget
// (dispatch/emit_budget.h). A refused emit returns EH_ERR_REFUSED to the
// plugin, is counted, and is logged with the plugin, the event, and the
// depth and limit or the cap: the first at once, then at most one line a
// second per plugin and kind with a count of the others (as the host logs
// delivery failures), never a line per emit.
//
// Thread-safety: admit() from any thread at once; an admitted emit costs
// no lock (the depth is a comparison, the budget a compare-and-swap on the
// plugin's own word); a refusal takes a short lock for its log line.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dispatch/plugin_context.h"

namespace eventhost {

enum class EmitRefusal { kDepth = 0, kRate = 1 };
// "depth" or "rate", as metrics label them.
const char* to_string(EmitRefusal why);

class EmitGuard {
 public:
  // The limit when none is given (--max-emit-depth): deep enough for any
  // chain a person designs on purpose (A's event makes B emit, which makes
  // C emit...), short enough that a loop ends within a blink.
  static constexpr std::uint32_t kDefaultMaxDepth = 8;
  // The largest limit accepted: the chain of causes is kept in memory and
  // walked for the log line, so it must stay short.
  static constexpr std::uint32_t kMaxMaxDepth = 1000;

  explicit EmitGuard(std::uint32_t max_depth);
  EmitGuard(const EmitGuard&) = delete;
  EmitGuard& operator=(const EmitGuard&) = delete;

  std::uint32_t max_depth() const { return max_depth_; }

  // The depth an emit from `source` has: its cause's depth + 1, or 1
  // outside a handler call.
  static std::uint32_t depth_of(const EmitSource& source);

  // Whether `source` may emit `event` at `depth` now (depth first, then
  // the budget, so a refused chain does not use the budget up). If not,
  // the refusal is logged and counted, and returned.
  std::optional<EmitRefusal> admit(const EmitSource& source,
                                   std::string_view event, std::uint32_t depth);

  std::uint64_t refused(EmitRefusal why) const {
    return refused_[static_cast<std::size_t>(why)].load();
  }
  // Logs the count of refusals not reported yet (at the end of a session).
  void flush_log();

 private:
  void report(const EmitSource& source, EmitRefusal why, std::string_view event,
              std::uint32_t depth);

  const std::uint32_t max_depth_;
  std::array<std::atomic<std::uint64_t>, 2> refused_{};

  struct LogState {
    std::chrono::steady_clock::time_point last{};
    std::uint64_t unlogged = 0;
  };
  std::mutex log_mutex_;
  std::map<std::pair<std::string, EmitRefusal>, LogState>
      log_;  // GUARDED_BY(log_mutex_)
};

}  // namespace eventhost
