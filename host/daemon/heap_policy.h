// How the daemon keeps glibc's heap from growing while what it holds does
// not. Under a steady load the daemon's live heap stays flat (a few MiB;
// /metrics eventhost_process_memory_bytes{kind="heap_in_use"}) while,
// without these, its resident set grew by half in four minutes: free
// memory piling up inside malloc's per-thread arenas (about 20 threads),
// never handed back. Three causes, three remedies:
//  - glibc gives threads up to 8 arenas a core, each keeping free memory of
//    its own. limit_heap() caps them at 2 a core (at least 4): with the
//    two remedies below alone the soak still grew by 12 % in a 100 s life,
//    with the cap by 3 %.
//  - glibc raises its mmap threshold each time a large block is freed, so
//    after the first big request body every later one is carved out of
//    an arena and fragments it. limit_heap() also fixes the threshold,
//    so large blocks are mapped on their own and unmapped when freed.
//  - free pages in the middle of an arena stay resident. return_free_heap()
//    (malloc_trim) gives them back; the daemon calls it periodically.
// All three are no-ops on a C library other than glibc.
//
// Thread-safety: limit_heap() once, before threads start;
// return_free_heap() from any thread (it locks each arena in turn, for
// about a millisecond a few MiB: keep it off the hot paths).
#pragma once

#include <chrono>

namespace eventhost {

// How often the daemon returns free heap pages.
inline constexpr std::chrono::seconds kHeapReturnInterval{10};

void limit_heap();
void return_free_heap();

}  // namespace eventhost
