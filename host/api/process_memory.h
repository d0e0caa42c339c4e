// ProcessMemory -- how much memory this process holds and what of it the
// C heap is using, for /metrics: the resident set (what the soak and the
// operator watch grow) next to the bytes malloc has handed out and the
// bytes it keeps free in its arenas. Growth in `in_use` is memory the
// program holds on to; growth in `free` alone is the allocator's arenas
// fragmenting, which no leak check would find.
//
// Thread-safety: read() from any thread. It walks every malloc arena under
// the arena's lock (glibc's mallinfo2), so call it at scrape time, not on
// a hot path.
#pragma once

#include <cstdint>

// Whether the C heap figures can be read: glibc's own malloc. ASan and
// TSan replace malloc, and their mallinfo2 answers zeros.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EH_MALLOC_REPLACED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EH_MALLOC_REPLACED 1
#endif

namespace eventhost {

#if defined(__GLIBC__) && !defined(EH_MALLOC_REPLACED)
inline constexpr bool kHeapFiguresKnown = true;
#else
inline constexpr bool kHeapFiguresKnown = false;
#endif

struct ProcessMemory {
  std::uint64_t resident = 0;  // bytes in RAM (VmRSS)
  // The C heap (0 unless kHeapFiguresKnown): bytes in live allocations,
  // bytes free inside the arenas (not returned to the system), and bytes
  // of the large allocations malloc maps on their own.
  std::uint64_t heap_in_use = 0;
  std::uint64_t heap_free = 0;
  std::uint64_t heap_mapped = 0;

  static ProcessMemory read();
};

}  // namespace eventhost
