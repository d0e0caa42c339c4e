#include "worker/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "common/error.h"
#include "worker/call_progress.h"

namespace eventhost::worker {
namespace {

constexpr int kChannelFd = 3;
// Where the two fds wait while they are moved into place: above both, so
// that neither move overwrites the other.
constexpr int kParkingFd = 10;

void set_limit(int resource, std::uint64_t value) {
  if (value == 0) return;
  const rlimit limit{value, value};
  ::setrlimit(resource, &limit);
}

[[noreturn]] void child_fails(const char* why) {
  const char prefix[] = "eventhost-worker: ";
  ssize_t ignored = ::write(STDERR_FILENO, prefix, sizeof prefix - 1);
  ignored = ::write(STDERR_FILENO, why, std::strlen(why));
  ignored = ::write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  ::_exit(126);
}

// Groups, then group, then user (each needs the privilege the next one
// drops); raw system calls, since only this thread exists in the child.
void switch_user(const WorkerUser& user) {
  if (::syscall(SYS_setgroups, user.groups.size(), user.groups.data()) != 0 ||
      ::syscall(SYS_setresgid, user.gid, user.gid, user.gid) != 0 ||
      ::syscall(SYS_setresuid, user.uid, user.uid, user.uid) != 0) {
    child_fails("cannot switch to the --worker-user");
  }
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const char* binary, char* const argv[], int fd,
                             int progress_fd, pid_t parent,
                             const WorkerLimits& limits,
                             const WorkerUser* user) {
  if (user != nullptr) switch_user(*user);
  // After the switch, which clears the parent-death signal.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the host is already gone
  ::setpgid(0, 0);
  // dup2 leaves the copies on fd 3 and 4 without close-on-exec.
  const int parked_channel = ::fcntl(fd, F_DUPFD, kParkingFd);
  const int parked_progress = ::fcntl(progress_fd, F_DUPFD, kParkingFd);
  if (parked_channel < 0 || parked_progress < 0 ||
      ::dup2(parked_channel, kChannelFd) < 0 ||
      ::dup2(parked_progress, kProgressFd) < 0) {
    child_fails("cannot hand the worker its socket and progress page");
  }
  ::syscall(SYS_close_range, kProgressFd + 1, ~0u, 0);
  set_limit(RLIMIT_AS, limits.memory_bytes);
  set_limit(RLIMIT_CPU, limits.cpu_seconds);
  set_limit(RLIMIT_NOFILE, limits.open_files);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // No set-user-ID program, file capability or LSM transition can give the
  // worker, or anything it might exec, more than it starts with.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    child_fails("cannot set PR_SET_NO_NEW_PRIVS");
  }
  ::execv(binary, argv);
  ::_exit(127);
}

}  // namespace

std::unique_ptr<WorkerProcess> WorkerProcess::spawn(
    const std::filesystem::path& binary, const std::string& key,
    const WorkerLimits& limits, int progress_fd, const WorkerUser* user) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw Error(ErrorKind::kIo,
                std::string("cannot create the worker socket: ") +
                    std::strerror(errno));
  }
  const std::string path = binary.string();
  std::string name = key;
  std::vector<char*> argv{const_cast<char*>(path.c_str()), name.data(),
                          nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(ErrorKind::kIo, std::string("cannot start a worker process: ") +
                                    std::strerror(e));
  }
  if (pid == 0) {
    exec_child(path.c_str(), argv.data(), fds[1], progress_fd, parent, limits,
               user);
  }
  ::close(fds[1]);
  return std::unique_ptr<WorkerProcess>(new WorkerProcess(pid, fds[0]));
}

WorkerProcess::~WorkerProcess() {
  if (!reaped_) reap(std::chrono::milliseconds(0));
}

void WorkerProcess::kill_now() {
  if (!reaped_) ::kill(pid_, SIGKILL);
}

std::string WorkerProcess::reap(std::chrono::milliseconds timeout) {
  if (reaped_) return "already stopped";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) {
      reaped_ = true;
      return "was reaped elsewhere";
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  reaped_ = true;
  return describe_exit(status);
}

std::string describe_exit(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* abbrev = ::sigabbrev_np(sig);
    return std::string("killed by SIG") + (abbrev ? abbrev : "?") + " (" +
           ::strsignal(sig) + ")";
  }
  if (WIFEXITED(wait_status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  return "stopped (status " + std::to_string(wait_status) + ")";
}

}  // namespace eventhost::worker

namespace eventhost::worker {

std::filesystem::path find_worker_binary() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto usable = [&](const fs::path& p) {
    return !p.empty() && fs::is_regular_file(p, ec) &&
           ::access(p.c_str(), X_OK) == 0;
  };
  if (const char* env = std::getenv("EVENTHOST_WORKER"); env && *env) {
    return usable(env) ? fs::path(env) : fs::path();
  }
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const fs::path& candidate :
       {exe_dir / "eventhost-worker",
        exe_dir.parent_path() / EH_WORKER_INSTALL_SUBDIR / "eventhost-worker",
        fs::path(EH_WORKER_BUILD_PATH)}) {
    if (usable(candidate)) return candidate;
  }
  return {};
}

}  // namespace eventhost::worker
