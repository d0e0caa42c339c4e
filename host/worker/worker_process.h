// WorkerProcess -- one running worker: a child process started from the
// eventhost-worker binary, with the socket to it, its resource limits, and
// the means to kill and reap it.
//
// The child gets its end of the socket as fd 3 and the progress page
// (call_progress.h) as fd 4, runs in its own process
// group (a Ctrl-C meant for the host does not hit it first), and is killed
// by the kernel if the host dies (PR_SET_PDEATHSIG): no orphans. It runs
// with PR_SET_NO_NEW_PRIVS, and as `user` when one is given. Because
// that signal follows the *thread* that forked, spawn() must be called from
// a thread that lives as long as the worker (the supervisor's own thread).
//
// Thread-safety: one owning thread.
// Errors: spawn() throws Error(kIo) when the process cannot be started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "worker/channel.h"
#include "worker/worker_user.h"

namespace eventhost::worker {

struct WorkerLimits {
  std::uint64_t memory_bytes = 512ull << 20;  // RLIMIT_AS; 0 = none
  std::uint64_t cpu_seconds = 0;              // RLIMIT_CPU; 0 = none
  std::uint64_t open_files = 256;             // RLIMIT_NOFILE; 0 = inherit
};

class WorkerProcess {
 public:
  // Starts `binary` as the worker for plugin `key` (the name shows in ps),
  // as `user` (nullptr: as this process's user), with `progress_fd` (the
  // page from CallProgress::create, still owned by the caller) as its fd 4.
  static std::unique_ptr<WorkerProcess> spawn(
      const std::filesystem::path& binary, const std::string& key,
      const WorkerLimits& limits, int progress_fd,
      const WorkerUser* user = nullptr);
  ~WorkerProcess();  // kills and reaps the child if it is still there
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  FrameChannel& channel() { return channel_; }

  // Waits up to `timeout` for the child to exit by itself; then, or if
  // `timeout` is zero, kills it. Returns how it ended (describe_exit).
  std::string reap(std::chrono::milliseconds timeout);
  void kill_now();

 private:
  WorkerProcess(pid_t pid, int fd) : pid_(pid), channel_(fd) {}
  pid_t pid_;
  FrameChannel channel_;
  bool reaped_ = false;
};

// "killed by SIGSEGV (Segmentation fault)", "exited with status 3".
std::string describe_exit(int wait_status);

}  // namespace eventhost::worker

namespace eventhost::worker {

// The eventhost-worker executable: $EVENTHOST_WORKER if set, else next to
// the running executable, else in ../libexec/eventhost beside it (an
// install), else where this build put it. Empty if none exists.
std::filesystem::path find_worker_binary();

}  // namespace eventhost::worker
