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
    if (rc != 0) return;
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), syscall, sizeof...(Args),
                          args...);
  }
};

void deny_network(Filter& f) {
  f.deny(SCMP_SYS(socket), SCMP_A0(SCMP_CMP_NE, AF_UNIX));
}

void deny_fs_write(Filter& f) {
  // One rule per flag: a rule's argument checks are ANDed, and any one of
  // these flags is enough to refuse.
  for (const scmp_datum_t flag :
       {scmp_datum_t{O_WRONLY}, scmp_datum_t{O_RDWR}, scmp_datum_t{O_CREAT},
        scmp_datum_t{O_TRUNC}}) {
    f.deny(SCMP_SYS(open), SCMP_A1(SCMP_CMP_MASKED_EQ, flag, flag));
    f.deny(SCMP_SYS(openat), SCMP_A2(SCMP_CMP_MASKED_EQ, flag, flag));
  }
  for (const int call :
       {SCMP_SYS(creat), SCMP_SYS(truncate), SCMP_SYS(unlink),
        SCMP_SYS(unlinkat), SCMP_SYS(rename), SCMP_SYS(renameat),
        SCMP_SYS(renameat2), SCMP_SYS(mkdir), SCMP_SYS(mkdirat),
        SCMP_SYS(rmdir), SCMP_SYS(link), SCMP_SYS(linkat), SCMP_SYS(symlink),
        SCMP_SYS(symlinkat), SCMP_SYS(chmod), SCMP_SYS(fchmodat),
        SCMP_SYS(chown), SCMP_SYS(fchownat), SCMP_SYS(lchown)}) {
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
  if (f.rc == 0) {
    f.rc = seccomp_rule_add(f.ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  }
}

}  // namespace

std::string apply_sandbox(std::uint32_t deny) {
  if (deny == 0) return "";
  Filter f;
  if (f.ctx == nullptr) return "seccomp_init failed";
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
