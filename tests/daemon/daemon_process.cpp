#include "daemon_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace eventhost::test {
namespace {

bool is_cleared(const std::string& entry) {
  return entry.rfind("EVENTHOST_", 0) == 0 ||
         entry.rfind("EH_MARKER_FILE=", 0) == 0 ||
         entry.rfind("HOME=", 0) == 0 || entry.rfind("XDG_", 0) == 0;
}

// The same environment as CliSandbox's runs: nothing EVENTHOST_* from the
// developer's machine, HOME and XDG inside the sandbox, then what the test
// set with set_env().
std::vector<std::string> child_environment(const CliSandbox& sandbox) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!is_cleared(*entry)) env.emplace_back(*entry);
  }
  const fs::path home = sandbox.root() / "home";
  env.push_back("HOME=" + home.string());
  env.push_back("XDG_DATA_HOME=" + (home / "data").string());
  env.push_back("XDG_STATE_HOME=" + (home / "state").string());
  for (const auto& [name, value] : sandbox.extra_env())
    env.push_back(name + "=" + value);
  return env;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start])))
    ++start;
  return s.substr(start);
}

std::atomic<int> body_files{0};

}  // namespace

std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

DaemonProcess::DaemonProcess(const CliSandbox& sandbox,
                             const std::vector<std::string>& extra, Stdin in)
    : sandbox_(sandbox) {
  static std::atomic<int> started{0};
  const std::string n = std::to_string(++started);
  log_ = sandbox.root() / ("daemon." + n + ".log");
  out_ = sandbox.root() / ("daemon." + n + ".out");
  std::vector<std::string> argv_text = {
      EH_BINARY_DIR "/eventhost",     "--plugins-dir",
      sandbox.plugins_dir().string(), "--state",
      sandbox.state_file().string(),  "run"};
  if (std::find(extra.begin(), extra.end(), "--listen") == extra.end()) {
    argv_text.insert(argv_text.end(), {"--listen", "127.0.0.1:0"});
  }
  argv_text.insert(argv_text.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = child_environment(sandbox);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Both ends close-on-exec: only the dup2'ed stdin reaches the daemon, and
  // no other child of the test holds the write end open.
  int pipe_ends[2] = {-1, -1};
  if (in == Stdin::kPipe && pipe2(pipe_ends, O_CLOEXEC) != 0)
    throw std::runtime_error("cannot create the stdin pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in == Stdin::kPipe) {
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  // In the sandbox's folder: a relative path in a plugin's settings is
  // the daemon's own (a cluster's nodes share their settings).
  posix_spawn_file_actions_addchdir_np(&actions, sandbox.root().c_str());
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int spawned =
      posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (in == Stdin::kPipe) {
    close(pipe_ends[0]);
    stdin_ = pipe_ends[1];
  }
  if (spawned != 0) {
    close_stdin();
    throw std::runtime_error("cannot spawn eventhost");
  }

  const fs::path info = sandbox.state_file().string() + ".daemon.json";
  ready_ =
      wait_until([&] {
        if (!exited_) {
          int wstatus = 0;
          if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
            exited_ = true;
            status_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
                                         : 128 + WTERMSIG(wstatus);
          }
        }
        if (exited_) return true;
        if (!fs::exists(info)) return false;
        const auto j = nlohmann::json::parse(read_text(info), nullptr, false);
        // Another daemon's file (one already running on this state) is not
        // ours.
        if (j.is_discarded() || !j.contains("port") ||
            j.value("pid", -1L) != static_cast<long>(pid_)) {
          return false;
        }
        port_ = j["port"].get<int>();
        scheme_ =
            j.value("url", "").rfind("https://", 0) == 0 ? "https" : "http";
        token_ = trim(read_text(
            j.value("token_file", sandbox.state_file().string() + ".token")));
        return !token_.empty();
      }) &&
      !exited_;
}

DaemonProcess::~DaemonProcess() {
  if (!exited_) stop(SIGKILL, std::chrono::seconds(5));
  close_stdin();
}

std::string DaemonProcess::url(const std::string& path) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
}

std::string DaemonProcess::log() const { return read_text(log_); }

std::string DaemonProcess::out() const { return read_text(out_); }

bool DaemonProcess::write_stdin(const std::string& text) {
  // A daemon that is gone must fail the test, not kill it with SIGPIPE.
  static const bool no_sigpipe = signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  if (stdin_ < 0 || !no_sigpipe) return false;
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = write(stdin_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void DaemonProcess::close_stdin() {
  if (stdin_ >= 0) close(stdin_);
  stdin_ = -1;
}

int DaemonProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (exited_) return status_;
  kill(pid_, sig);
  int wstatus = 0;
  const bool done = wait_until(
      [&] { return waitpid(pid_, &wstatus, WNOHANG) == pid_; }, timeout);
  if (!done) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &wstatus, 0);
  }
  exited_ = true;
  status_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return status_;
}

HttpReply DaemonProcess::curl(const std::vector<std::string>& args) {
  std::string cmd = "/usr/bin/curl -s --max-time 15 -w '\\n%{http_code}'";
  for (const std::string& a : args) cmd += " " + shell_quote(a);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen curl failed");
  std::string out;
  char buf[65536];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  HttpReply reply;
  const auto nl = out.rfind('\n');
  if (nl == std::string::npos) return reply;
  reply.status = std::atoi(out.c_str() + nl + 1);
  reply.body = out.substr(0, nl);
  return reply;
}

HttpReply DaemonProcess::get(const std::string& path) const {
  return curl({url(path)});
}

HttpReply DaemonProcess::send(const std::string& method,
                              const std::string& path, const std::string& body,
                              const std::string& content_type) const {
  return send_with(
      method, path, body,
      {"Authorization: Bearer " + token_, "Content-Type: " + content_type});
}

HttpReply DaemonProcess::send_with(
    const std::string& method, const std::string& path, const std::string& body,
    const std::vector<std::string>& headers) const {
  const fs::path file =
      sandbox_.root() / ("body." + std::to_string(++body_files));
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << body;
  }
  std::vector<std::string> args = {"-X", method, "--data-binary",
                                   "@" + file.string()};
  for (const std::string& h : headers) {
    args.push_back("-H");
    args.push_back(h);
  }
  args.push_back(url(path));
  return curl(args);
}

}  // namespace eventhost::test
