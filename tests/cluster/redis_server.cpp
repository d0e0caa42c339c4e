#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace eventhost::test {
namespace fs = std::filesystem;
namespace {

constexpr auto kStartLimit = std::chrono::seconds(10);

fs::path find_server() {
  for (const char* candidate :
       {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  throw std::runtime_error(
      "the cluster tests need Debian's redis-server, which is not installed "
      "(/usr/bin/redis-server): apt-get install redis-server (.ci/setup "
      "installs it)");
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

RedisServer::RedisServer(const fs::path& dir, const std::string& password,
                         bool fsync_always)
    : dir_(dir),
      binary_(find_server()),
      password_(password),
      port_(free_loopback_port()) {
  fs::create_directories(dir_);
  std::ofstream conf(dir_ / "redis.conf");
  conf << "port " << port_ << "\nbind 127.0.0.1\n"
       << "dir " << dir_.string() << "\n"
       << "appendonly yes\nappendfsync "
       << (fsync_always ? "always" : "everysec") << "\nsave \"\"\n"
       << "daemonize no\nloglevel notice\n"
       << "logfile " << (dir_ / "redis.log").string() << "\n";
  if (!password_.empty()) conf << "requirepass " << password_ << "\n";
  conf.close();
  start();
}

RedisServer::~RedisServer() { stop(); }

std::string RedisServer::url(int db) const {
  return "redis://" + (password_.empty() ? "" : ":" + password_ + "@") +
         "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

std::string RedisServer::log() const {
  std::ifstream in(dir_ / "redis.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void RedisServer::start() {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const std::string binary = binary_.string();
  const std::string conf = (dir_ / "redis.conf").string();
  std::vector<char*> argv{const_cast<char*>(binary.c_str()),
                          const_cast<char*>(conf.c_str()), nullptr};
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary + ": " +
                             std::strerror(rc));
  }
  const auto deadline = std::chrono::steady_clock::now() + kStartLimit;
  while (!accepts_connections(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start; its log:\n" +
                               log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("redis-server did not listen on port " +
                               std::to_string(port_) + " within 10 s; log:\n" +
                               log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace eventhost::test
