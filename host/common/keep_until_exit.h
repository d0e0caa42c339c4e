// keep_until_exit -- the one place where the process deliberately keeps
// objects alive until it exits, never destroying them.
//
// A plugin call that is still running when the host stops cannot be
// joined (it may never return) and must not be pulled from under it: the
// plugin's library must stay mapped, the runner that called it and the
// dispatcher (with its pool) that the call returns into must stay valid.
// Those are handed here. They are never destroyed, not even at exit (no
// destructor would get past a thread still inside them), and they stay
// reachable from a global, so LeakSanitizer does not count them as leaks:
// nothing needs suppressing.
//
// Thread-safety: may be called from any thread.
// Errors: none.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace eventhost {

inline void keep_until_exit(std::shared_ptr<void> object) {
  // Allocated once and never freed, on purpose (see above).
  static auto* const mutex = new std::mutex;
  static auto* const kept = new std::vector<std::shared_ptr<void>>;
  std::lock_guard lock(*mutex);
  kept->push_back(std::move(object));
}

}  // namespace eventhost
