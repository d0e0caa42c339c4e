#include "child_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace exec_plugin {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kTailBytes = 4096;
constexpr int kPollWithoutPidfdMs = 20;
// The child's descriptors are first moved above this so that the dup2s
// onto 0..3 cannot overwrite one another.
constexpr int kHighFd = 10;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot make a pipe: ") +
                             std::strerror(errno));
  }
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}

void append_tail(std::string& tail, const char* data, std::size_t n) {
  tail.append(data, n);
  if (tail.size() > kTailBytes) tail.erase(0, tail.size() - kTailBytes);
}

// Reads what is there now; false once the writer closed its end.
bool drain(Fd& fd, std::string& tail) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n > 0) {
      append_tail(tail, buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    fd.reset();  // EOF or an error: nothing more will come
    return false;
  }
}

// Runs in the child between fork and execve: async-signal-safe calls
// only (no allocation, no locks), as the parent may have other threads.
[[noreturn]] void exec_child(const RunSpec& spec, char* const argv[],
                             char* const envp[], pid_t parent, int in, int out,
                             int err, int status) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent is already gone
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const int fds[4] = {
      ::fcntl(in, F_DUPFD, kHighFd), ::fcntl(out, F_DUPFD, kHighFd),
      ::fcntl(err, F_DUPFD, kHighFd), ::fcntl(status, F_DUPFD, kHighFd)};
  for (int i = 0; i < 4; ++i) {
    if (fds[i] < 0 || ::dup2(fds[i], i) < 0) ::_exit(127);
  }
  ::fcntl(3, F_SETFD, FD_CLOEXEC);  // closes at execve: that says "started"
  if (::syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    const rlim_t top = files.rlim_cur < 65536 ? files.rlim_cur : 65536;
    for (rlim_t fd = 4; fd < top; ++fd) ::close(static_cast<int>(fd));
  }
  ::execve(spec.program.c_str(), argv, envp);
  const int error = errno;
  [[maybe_unused]] const ssize_t ignored = ::write(3, &error, sizeof error);
  ::_exit(127);
}

// SIGPIPE blocked in this thread while the run lasts, and any that the
// run raised taken off before the mask is restored, so that a program
// closing its standard input early fails a write with EPIPE instead of
// killing the process that hosts the plugin.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1 &&
        sigismember(&old_, SIGPIPE) == 0) {
      const timespec zero{0, 0};
      ::sigtimedwait(&pipe_, nullptr, &zero);
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

void set_nonblocking(const Fd& fd) {
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
}

RunResult ended(int wstatus, RunResult result) {
  if (WIFEXITED(wstatus)) {
    result.end = RunResult::End::kExited;
    result.code = WEXITSTATUS(wstatus);
  } else {
    result.end = RunResult::End::kSignaled;
    result.code = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  }
  return result;
}

}  // namespace

RunResult run_program(const RunSpec& spec) {
  std::vector<char*> argv, envp;
  for (const std::string& a : spec.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : spec.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  Fd in_r, in_w, out_r, out_w, err_r, err_w, status_r, status_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);
  make_pipe(status_r, status_w);

  const SigpipeBlock sigpipe;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error(std::string("cannot start a process: ") +
                             std::strerror(errno));
  }
  if (pid == 0) {
    exec_child(spec, argv.data(), envp.data(), parent, in_r.get(), out_w.get(),
               err_w.get(), status_w.get());
  }
  const auto deadline = Clock::now() + spec.timeout;
  in_r.reset();
  out_w.reset();
  err_w.reset();
  status_w.reset();

  RunResult result;
  int exec_error = 0;
  ssize_t got;
  do {
    got = ::read(status_r.get(), &exec_error, sizeof exec_error);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof exec_error) {
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    result.end = RunResult::End::kNotStarted;
    result.why = std::strerror(exec_error);
    return result;
  }

  // Linux 5.3+: the child's exit wakes poll(); without it, poll a while.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  set_nonblocking(in_w);
  set_nonblocking(out_r);
  set_nonblocking(err_r);
  std::size_t written = 0;
  if (spec.input.empty()) in_w.reset();

  for (;;) {
    int wstatus = 0;
    const pid_t done = ::waitpid(pid, &wstatus, WNOHANG);
    if (done == pid) {
      if (out_r) drain(out_r, result.out_tail);
      if (err_r) drain(err_r, result.err_tail);
      return ended(wstatus, std::move(result));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);  // the group: whatever the program started
      ::kill(pid, SIGKILL);   // in case it left its group
      ::waitpid(pid, &wstatus, 0);
      if (out_r) drain(out_r, result.out_tail);
      if (err_r) drain(err_r, result.err_tail);
      result.end = RunResult::End::kTimedOut;
      return result;
    }
    pollfd fds[4];
    nfds_t n = 0;
    int in_slot = -1, out_slot = -1, err_slot = -1;
    if (in_w) {
      in_slot = static_cast<int>(n);
      fds[n++] = {in_w.get(), POLLOUT, 0};
    }
    if (out_r) {
      out_slot = static_cast<int>(n);
      fds[n++] = {out_r.get(), POLLIN, 0};
    }
    if (err_r) {
      err_slot = static_cast<int>(n);
      fds[n++] = {err_r.get(), POLLIN, 0};
    }
    if (pidfd) fds[n++] = {pidfd.get(), POLLIN, 0};
    const long wait_ms =
        pidfd ? left.count()
              : std::min<long>(left.count(), kPollWithoutPidfdMs);
    if (::poll(fds, n, static_cast<int>(wait_ms)) < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("poll failed: ") +
                               std::strerror(errno));
    }
    if (in_slot >= 0 && fds[in_slot].revents != 0) {
      const ssize_t w = ::write(in_w.get(), spec.input.data() + written,
                                spec.input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      // All written, or the program closed its end (EPIPE): EOF for it.
      if (written == spec.input.size() ||
          (w < 0 && errno != EAGAIN && errno != EINTR)) {
        in_w.reset();
      }
    }
    if (out_slot >= 0 && fds[out_slot].revents != 0) {
      drain(out_r, result.out_tail);
    }
    if (err_slot >= 0 && fds[err_slot].revents != 0) {
      drain(err_r, result.err_tail);
    }
  }
}

}  // namespace exec_plugin
