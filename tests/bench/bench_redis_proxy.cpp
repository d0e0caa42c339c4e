#include "bench_redis_proxy.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "bench_daemon.h"

namespace eventhost::bench {
namespace {

// One client's connection and ours to Redis.
struct Link {
  int client = -1, redis = -1;
  std::string role;  // "" until its CLIENT SETNAME went by
  std::string head;  // its first bytes, to find the name in
  bool client_spoke = false;
};

bool send_all(int fd, const char* data, std::size_t size) {
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::send(fd, data + done, size - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The ROLE of "CLIENT SETNAME eventhost:NODE:ROLE" in RESP, or "" if the
// name has not come yet.
std::string role_in(const std::string& head) {
  const std::string mark = "SETNAME\r\n$";
  const auto at = head.find(mark);
  if (at == std::string::npos) return "";
  const auto length_end = head.find("\r\n", at + mark.size());
  if (length_end == std::string::npos) return "";
  const std::size_t length =
      std::stoul(head.substr(at + mark.size(), length_end - at - mark.size()));
  if (head.size() < length_end + 2 + length) return "";
  const std::string name = head.substr(length_end + 2, length);
  return name.substr(name.rfind(':') + 1);
}

}  // namespace

RoundTripProxy::RoundTripProxy(int redis_port) : redis_port_(redis_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
          0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &size) !=
          0 ||
      ::pipe(wake_) != 0) {
    const std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("the round-trip proxy cannot listen: " + why);
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

RoundTripProxy::~RoundTripProxy() {
  const char stop = 'x';
  (void)!::write(wake_[1], &stop, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::map<std::string, std::uint64_t> RoundTripProxy::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void RoundTripProxy::run() {
  std::vector<Link> links;
  std::vector<char> buffer(1 << 20);
  const auto close_link = [](Link& l) {
    ::close(l.client);
    ::close(l.redis);
    l.client = l.redis = -1;
  };
  for (;;) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Link& l : links) {
      fds.push_back({l.client, POLLIN, 0});
      fds.push_back({l.redis, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    for (std::size_t i = 0; i < links.size(); ++i) {
      Link& l = links[i];
      for (const bool from_client : {true, false}) {
        const pollfd& p = fds[2 + 2 * i + (from_client ? 0 : 1)];
        if (p.revents == 0 || l.client < 0) continue;
        const ssize_t n = ::recv(from_client ? l.client : l.redis,
                                 buffer.data(), buffer.size(), 0);
        if (n <= 0 || !send_all(from_client ? l.redis : l.client, buffer.data(),
                                static_cast<std::size_t>(n))) {
          close_link(l);
          continue;
        }
        if (from_client) {
          if (l.role.empty() && l.head.size() < 4096) {
            l.head.append(buffer.data(), static_cast<std::size_t>(n));
            l.role = role_in(l.head);
          }
          l.client_spoke = true;
        } else if (l.client_spoke) {
          l.client_spoke = false;
          std::lock_guard lock(mutex_);
          ++counts_[l.role.empty() ? "other" : l.role];
        }
      }
    }
    std::erase_if(links, [](const Link& l) { return l.client < 0; });
    if (fds[1].revents != 0) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      try {
        links.push_back({client, connect_loopback(redis_port_), "", "", false});
      } catch (const std::exception&) {
        ::close(client);
      }
    }
  }
  for (Link& l : links) close_link(l);
}

}  // namespace eventhost::bench
