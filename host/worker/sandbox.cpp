#include "worker/sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#ifdef EVENTHOST_HAVE_SECCOMP
#include <seccomp.h>
#endif

namespace eventhost::worker {

#ifdef EVENTHOST_HAVE_SECCOMP
namespace {

struct Filter {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  ~Filter() {
    if (ctx != nullptr) seccomp_release(ctx);
  }
  int rc = 0;
  template <typename... Args>
  void deny(int syscall, Args... args) {
    refuse(EPERM, syscall, args...);
  }
  // For calls whose arguments a filter cannot inspect (they sit in memory):
  // "not implemented" makes libc and liburing fall back to calls it can.
  void absent(int syscall) { refuse(ENOSYS, syscall); }
  // A call libseccomp does not know on this architecture (socketcall on
  // x86_64) is skipped: it cannot be made either.
  template <typename... Args>
  void refuse(int error, int syscall, Args... args) {
    if (rc != 0 || syscall == __NR_SCMP_ERROR) return;
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(error), syscall, sizeof...(Args),
                          args...);
  }
};

// With any promise: the ways round every filter. io_uring performs opens,
// sockets and writes in the kernel on the worker's behalf, unseen by
// seccomp; ptrace, process_vm_writev and pidfd_getfd reach into another
// process of the same user (the host, another worker) that has no filter.
void deny_escapes(Filter& f) {
  for (const int call : {SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter),
                         SCMP_SYS(io_uring_register)}) {
    f.absent(call);
  }
  for (const int call : {SCMP_SYS(ptrace), SCMP_SYS(process_vm_writev),
                         SCMP_SYS(process_vm_readv), SCMP_SYS(pidfd_getfd)}) {
    f.deny(call);
  }
}

void deny_network(Filter& f) {
  f.deny(SCMP_SYS(socket), SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  // Where socket() is also reachable through the socketcall multiplexer
  // (i386 and others; not x86_64), its family sits in memory: refuse
  // SYS_SOCKET through it altogether; libc uses the direct call.
  f.deny(SCMP_SYS(socketcall), SCMP_A0(SCMP_CMP_EQ, scmp_datum_t{1}));
}

void deny_fs_write(Filter& f) {
  // One rule per flag: a rule's argument checks are ANDed, and any one of
  // these flags is enough to refuse.
  for (const scmp_datum_t flag :
       {scmp_datum_t{O_WRONLY}, scmp_datum_t{O_RDWR}, scmp_datum_t{O_CREAT},
        scmp_datum_t{O_TRUNC}}) {
    f.deny(SCMP_SYS(open), SCMP_A1(SCMP_CMP_MASKED_EQ, flag, flag));
    f.deny(SCMP_SYS(openat), SCMP_A2(SCMP_CMP_MASKED_EQ, flag, flag));
    f.deny(SCMP_SYS(open_by_handle_at),
           SCMP_A2(SCMP_CMP_MASKED_EQ, flag, flag));
  }
  // openat2 passes its flags in a struct: refused outright, and glibc
  // falls back to openat, which is checked above.
  f.absent(SCMP_SYS(openat2));
  for (const int call :
       {SCMP_SYS(creat), SCMP_SYS(truncate), SCMP_SYS(unlink),
        SCMP_SYS(unlinkat), SCMP_SYS(rename), SCMP_SYS(renameat),
        SCMP_SYS(renameat2), SCMP_SYS(mkdir), SCMP_SYS(mkdirat),
        SCMP_SYS(rmdir), SCMP_SYS(link), SCMP_SYS(linkat), SCMP_SYS(symlink),
        SCMP_SYS(symlinkat), SCMP_SYS(mknod), SCMP_SYS(mknodat),
        SCMP_SYS(chmod), SCMP_SYS(fchmod), SCMP_SYS(fchmodat), SCMP_SYS(chown),
        SCMP_SYS(fchown), SCMP_SYS(fchownat), SCMP_SYS(lchown),
        SCMP_SYS(setxattr), SCMP_SYS(lsetxattr), SCMP_SYS(fsetxattr),
        SCMP_SYS(removexattr), SCMP_SYS(lremovexattr), SCMP_SYS(fremovexattr),
        // Newer than some libseccomp headers: looked up by name.
        seccomp_syscall_resolve_name("fchmodat2")}) {
    f.deny(call);
  }
}

void deny_spawn(Filter& f) {
  for (const int call : {SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(execve),
                         SCMP_SYS(execveat)}) {
    f.deny(call);
  }
  // A clone without CLONE_THREAD makes a process; with it, a thread.
  f.deny(SCMP_SYS(clone),
         SCMP_A0(SCMP_CMP_MASKED_EQ, scmp_datum_t{CLONE_THREAD}, 0));
  // clone3 passes its flags in memory, out of a filter's reach: refuse it
  // with ENOSYS so that glibc falls back to clone, which is checked.
  f.absent(SCMP_SYS(clone3));
  // memfd_create stays allowed (the loader maps the plugin from one): a
  // program written to a memfd still needs execveat or execve (fexecve
  // tries both), refused above.
}

}  // namespace

std::string apply_sandbox(std::uint32_t deny) {
  if (deny == 0) return "";
  Filter f;
  if (f.ctx == nullptr) return "seccomp_init failed";
  // A call through another ABI (i386's int 0x80 on x86_64) would dodge
  // every rule, which are per architecture: it kills the worker instead.
  f.rc =
      seccomp_attr_set(f.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  deny_escapes(f);
  if ((deny & kDenyNetwork) != 0) deny_network(f);
  if ((deny & kDenyFsWrite) != 0) deny_fs_write(f);
  if ((deny & kDenySpawn) != 0) deny_spawn(f);
  if (f.rc == 0) f.rc = seccomp_load(f.ctx);
  if (f.rc != 0) {
    return std::string("could not install the seccomp filter: ") +
           std::strerror(-f.rc);
  }
  return "";
}

#else

std::string apply_sandbox(std::uint32_t deny) {
  if (deny == 0) return "";
  return "this eventhost was built without seccomp (libseccomp-dev), so it "
         "cannot enforce the plugin's \"sandbox\" promises; rebuild with "
         "libseccomp-dev installed or run the plugin in the thread tier";
}

#endif

}  // namespace eventhost::worker
