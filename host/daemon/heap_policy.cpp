#include "daemon/heap_policy.h"

#include <algorithm>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace eventhost {

// glibc's default starting threshold: blocks of 128 KiB and more (request
// bodies of a few hundred events, replay pages) get a mapping of their own.
constexpr int kMmapThreshold = 128 * 1024;

void limit_heap() {
#if defined(__GLIBC__)
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  ::mallopt(M_ARENA_MAX, std::max(4, 2 * cores));
  ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
#endif
}

void return_free_heap() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace eventhost
