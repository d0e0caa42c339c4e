// Test-only write faults for every SQLite file this process opens.
//
// Full disks and failing disks cannot be made on demand on most machines,
// yet what eventhost does then (refuse to acknowledge, keep serving reads,
// recover by itself) must be tested. When the environment variable
// EVENTHOST_TEST_WRITE_FAULTS names a file, the first state database
// opened installs a VFS shim (as SQLite's default) in front of the real
// one. Each write then looks at that file:
//   - absent: the write goes through;
//   - "full [N]": SQLITE_FULL, as on a full disk;
//   - "ioerr [N]": SQLITE_IOERR_WRITE, as on a failing disk.
// With N, the first N bytes written after the file appeared still go
// through (the write that crosses N is cut short there, then fails), so a
// fault can land in the middle of a transaction. Removing the file ends
// the fault; writing it again starts a new one.
//
// This is for tests only: it is not documented for operators, and it costs
// a file read per SQLite write while the variable is set. Without the
// variable nothing is installed and nothing is checked.
//
// Thread-safety: install_fault_vfs_if_requested() may be called from any
// thread, any number of times; the shim itself is safe for SQLite's use.
#pragma once

namespace eventhost::sql {

// Installs the shim once if EVENTHOST_TEST_WRITE_FAULTS is set.
void install_fault_vfs_if_requested();

}  // namespace eventhost::sql
