#include "state/fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <utility>

namespace eventhost::sql {
namespace {

constexpr const char* kControlVariable = "EVENTHOST_TEST_WRITE_FAULTS";

// The file whose presence turns faults on, and how many bytes went through
// since it appeared.
struct Control {
  std::string path;
  std::mutex mutex;
  std::int64_t written = 0;  // GUARDED_BY(mutex)
};

Control& control() {
  static Control c;
  return c;
}

sqlite3_vfs* real_vfs = nullptr;  // set once, before the shim is installed
sqlite3_vfs shim_vfs;

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // lives right after this struct, same allocation
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<ShimFile*>(f)->real;
}

// How much of a write of `amount` bytes may go through, and the code to
// return after it (SQLITE_OK when the fault is off).
std::pair<int, int> decide(int amount) {
  Control& c = control();
  std::ifstream in(c.path);
  std::lock_guard lock(c.mutex);
  if (!in) {
    c.written = 0;  // the fault is over; the next one starts afresh
    return {amount, SQLITE_OK};
  }
  std::string kind;
  std::int64_t budget = 0;
  in >> kind >> budget;  // a missing budget reads as 0
  const int code = kind == "ioerr" ? SQLITE_IOERR_WRITE : SQLITE_FULL;
  if (c.written + amount <= budget) {
    c.written += amount;
    return {amount, SQLITE_OK};
  }
  const auto allowed =
      static_cast<int>(std::max<std::int64_t>(0, budget - c.written));
  c.written += allowed;
  return {allowed, code};
}

int shim_write(sqlite3_file* f, const void* data, int amount,
               sqlite3_int64 offset) {
  sqlite3_file* real = real_of(f);
  const auto [allowed, code] = decide(amount);
  if (allowed > 0) {
    const int rc = real->pMethods->xWrite(real, data, allowed, offset);
    if (rc != SQLITE_OK) return rc;
  }
  return code;
}

int shim_close(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  return real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
}
int shim_read(sqlite3_file* f, void* data, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), data, amount, offset);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int shim_sync(sqlite3_file* f, int flags) {
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int shim_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int shim_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int shim_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int shim_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int shim_shm_map(sqlite3_file* f, int page, int size, int extend,
                 void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int shim_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}
int shim_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), offset, amount, out);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), offset, page);
}

// Version 3, as the unix VFS: a file whose real methods are older is
// opened without the shim (see shim_open).
const sqlite3_io_methods shim_methods = {
    3,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_file_size,
    shim_lock,
    shim_unlock,
    shim_check_reserved_lock,
    shim_file_control,
    shim_sector_size,
    shim_device_characteristics,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    shim_fetch,
    shim_unfetch,
};

int shim_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags,
              int* out_flags) {
  auto* shim = reinterpret_cast<ShimFile*>(f);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  shim->base.pMethods = nullptr;
  const int rc = real_vfs->xOpen(real_vfs, name, shim->real, flags, out_flags);
  if (shim->real->pMethods == nullptr) return rc;
  if (shim->real->pMethods->iVersion < 3) {
    // Not expected with the unix VFS; never call a method it lacks.
    shim->real->pMethods->xClose(shim->real);
    return SQLITE_CANTOPEN;
  }
  shim->base.pMethods = &shim_methods;
  return rc;
}

}  // namespace

void install_fault_vfs_if_requested() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* path = std::getenv(kControlVariable);
    if (path == nullptr || *path == '\0') return;
    real_vfs = sqlite3_vfs_find(nullptr);
    if (real_vfs == nullptr) return;
    control().path = path;
    // Every other method is the real VFS's own; they do not depend on
    // which sqlite3_vfs they are handed beyond its plain fields, copied.
    shim_vfs = *real_vfs;
    shim_vfs.pNext = nullptr;
    shim_vfs.zName = "eventhost-test-faults";
    shim_vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + real_vfs->szOsFile;
    shim_vfs.xOpen = shim_open;
    sqlite3_vfs_register(&shim_vfs, 1);
  });
}

}  // namespace eventhost::sql
