#include "api/process_memory.h"

#include <unistd.h>

#include <fstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace eventhost {
namespace {

// The second field of /proc/self/statm is the resident set in pages.
std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

ProcessMemory ProcessMemory::read() {
  ProcessMemory m;
  m.resident = resident_bytes();
#if defined(__GLIBC__)
  if (!kHeapFiguresKnown) return m;
  const struct mallinfo2 info = ::mallinfo2();
  m.heap_in_use = info.uordblks + info.hblkhd;
  m.heap_free = info.fordblks;
  m.heap_mapped = info.hblkhd;
#endif
  return m;
}

}  // namespace eventhost
