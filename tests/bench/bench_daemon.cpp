#include "bench_daemon.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace eventhost::bench {
namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The developer's own settings must not change what is measured.
bool is_cleared(const std::string& entry) {
  return entry.rfind("EVENTHOST_", 0) == 0 ||
         entry.rfind("EH_MARKER_FILE=", 0) == 0 ||
         entry.rfind("HOME=", 0) == 0 || entry.rfind("XDG_", 0) == 0;
}

std::vector<std::string> environment(const EventhostArgs& where) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!is_cleared(*entry)) env.emplace_back(*entry);
  }
  env.push_back("HOME=" + where.home.string());
  env.push_back("XDG_DATA_HOME=" + (where.home / "data").string());
  env.push_back("XDG_STATE_HOME=" + (where.home / "state").string());
  env.insert(env.end(), where.env.begin(), where.env.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& text) {
  std::vector<char*> out;
  for (std::string& s : text) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts eventhost with stdout and stderr into the given files.
pid_t spawn_eventhost(const EventhostArgs& where,
                      const std::vector<std::string>& args, const fs::path& out,
                      const fs::path& err) {
  std::vector<std::string> argv_text = {EH_BINARY_DIR "/eventhost",
                                        "--plugins-dir",
                                        where.plugins_dir.string(),
                                        "--state",
                                        where.state.string(),
                                        "--log-level",
                                        "warn"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<std::string> env_text = environment(where);
  auto argv = pointers(argv_text);
  auto envp = pointers(env_text);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  const int failed =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) {
    throw std::runtime_error(std::string("cannot spawn eventhost: ") +
                             std::strerror(failed));
  }
  return pid;
}

int exit_status(int wstatus) {
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  return s;
}

void send_all(int fd, const std::string& data) {
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n =
        ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("HTTP send failed");
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

CliRun run_eventhost(const EventhostArgs& where,
                     const std::vector<std::string>& args) {
  const fs::path out = where.home / "cli.out", err = where.home / "cli.err";
  fs::create_directories(where.home);
  const pid_t pid = spawn_eventhost(where, args, out, err);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return {exit_status(wstatus), read_text(out)};
}

std::string run_eventhost_ok(const EventhostArgs& where,
                             const std::vector<std::string>& args) {
  CliRun run = run_eventhost(where, args);
  if (run.status != 0) {
    std::string command;
    for (const std::string& a : args) command += " " + a;
    throw std::runtime_error("eventhost" + command + " exited " +
                             std::to_string(run.status) + ": " + run.out +
                             read_text(where.home / "cli.err"));
  }
  return run.out;
}

BenchDaemon::BenchDaemon(const EventhostArgs& where,
                         const std::vector<std::string>& extra) {
  fs::create_directories(where.home);
  log_ = where.home / "daemon.log";
  std::vector<std::string> args = {"run", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = spawn_eventhost(where, args, where.home / "daemon.out", log_);
  const fs::path info = where.state.string() + ".daemon.json";
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the daemon exited " +
                               std::to_string(exit_status(wstatus)) + ": " +
                               log());
    }
    const auto j = nlohmann::json::parse(read_text(info), nullptr, false);
    if (!j.is_discarded() && j.value("pid", -1L) == static_cast<long>(pid_)) {
      port_ = j.at("port").get<int>();
      token_ = trim(read_text(j.at("token_file").get<std::string>()));
      if (!token_.empty()) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop();
  throw std::runtime_error("the daemon did not become ready: " + log());
}

BenchDaemon::~BenchDaemon() { stop(); }

std::string BenchDaemon::log() const { return read_text(log_); }

void BenchDaemon::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void BenchDaemon::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) +
                             ": " + why);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

HttpConnection::HttpConnection(int port) : fd_(connect_loopback(port)) {}

HttpConnection::~HttpConnection() { ::close(fd_); }

HttpConnection::Reply HttpConnection::request(
    const std::string& method, const std::string& path, const std::string& body,
    const std::vector<std::string>& headers) {
  std::string head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const std::string& h : headers) head += h + "\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  send_all(fd_, head);
  send_all(fd_, body);

  const auto fill = [this] {
    char chunk[1 << 16];
    ssize_t n = 0;
    do {
      n = ::recv(fd_, chunk, sizeof chunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) throw std::runtime_error("HTTP connection closed mid-reply");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  };
  std::size_t end = 0;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) fill();
  std::string lower = buffer_.substr(0, end);
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  const auto length_at = lower.find("\r\ncontent-length:");
  if (lower.rfind("http/1.1 ", 0) != 0 || length_at == std::string::npos) {
    throw std::runtime_error("unexpected HTTP reply head: " +
                             buffer_.substr(0, end));
  }
  Reply reply;
  reply.status = std::atoi(lower.c_str() + 9);
  const std::size_t length = std::stoull(lower.substr(
      length_at + 17, lower.find('\r', length_at + 2) - (length_at + 17)));
  while (buffer_.size() < end + 4 + length) fill();
  reply.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  return reply;
}

double cpu_seconds_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold
  // spaces: utime and stime are the 12th and 13th of them.
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    throw std::runtime_error("cannot read /proc/" + std::to_string(pid));
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string get_ok(int port, const std::string& path) {
  HttpConnection connection(port);
  HttpConnection::Reply reply = connection.request("GET", path);
  if (reply.status != 200) {
    throw std::runtime_error("GET " + path + " answered " +
                             std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.body;
}

}  // namespace eventhost::bench
