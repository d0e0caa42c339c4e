// Sandbox -- the seccomp filter a process-tier worker puts on itself,
// before it loads the plugin, for what the plugin's manifest promised it
// does not need ("sandbox": ["no_network", "no_fs_write", "no_spawn"]).
//
// What each promise blocks (the call fails with EPERM, or ENOSYS where
// the filter cannot see the arguments and libc should fall back to a call
// it can; nothing is killed, so a plugin sees an ordinary error it can
// report):
//   no_network   socket() for any family but AF_UNIX; so no TCP/UDP/raw
//                sockets, no connect/bind/listen on the network (and
//                socketcall(SYS_SOCKET) where the architecture has it)
//   no_fs_write  open/openat/open_by_handle_at/creat for writing or
//                creating, truncate, unlink, rename, mkdir, rmdir, link,
//                symlink, mknod, chmod, chown (the f* forms too), the
//                xattr setters; openat2 (ENOSYS: its flags are in memory)
//   no_spawn     fork, vfork, clone of a new process (threads are still
//                allowed), clone3 (ENOSYS), execve, execveat
// With any promise, the ways round a filter are closed as well: io_uring
// (ENOSYS), ptrace, process_vm_readv/writev and pidfd_getfd (EPERM); and a
// system call through another ABI (i386 on x86_64) kills the worker.
// seccomp_load() sets PR_SET_NO_NEW_PRIVS, which the worker already has
// (worker_process.cpp sets it for every worker).
//
// Thread-safety: call once, on the worker's only thread, before any
// plugin code runs. Errors: returns "" or why the filter was not applied.
#pragma once

#include <cstdint>
#include <string>

namespace eventhost::worker {

constexpr std::uint32_t kDenyNetwork = 1u << 0;
constexpr std::uint32_t kDenyFsWrite = 1u << 1;
constexpr std::uint32_t kDenySpawn = 1u << 2;

std::string apply_sandbox(std::uint32_t deny);

}  // namespace eventhost::worker
