// lower_thread_priority() -- makes the calling thread `steps` nicer than
// it is, for background work that must give way to work someone waits
// for when the CPUs are busy (on idle CPUs it changes nothing). Linux
// keeps a nice value per thread, so only the caller is affected.
//
// Thread-safety: affects the calling thread only.
// Errors: none reported; a thread that cannot be changed runs as before.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

namespace eventhost {

inline void lower_thread_priority(int steps) {
  if (steps <= 0) return;
  const auto self = static_cast<id_t>(::gettid());
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, self);
  if (now == -1 && errno != 0) return;
  ::setpriority(PRIO_PROCESS, self, now + steps);  // capped at 19 by Linux
}

}  // namespace eventhost
