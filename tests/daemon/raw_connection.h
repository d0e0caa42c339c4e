// RawConnection -- a bare TCP connection to the daemon, for what curl will
// not send (half a header, a body that stops) and to see how the server
// ends a connection: with an answer and a close, or with a reset.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace eventhost::test {

class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    // Reads give up after 15 s: far past any limit the tests set.
    const timeval limit{15, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  // The socket, for a TLS client the test layers on it.
  int fd() const { return fd_; }

  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  struct Ending {
    std::string received;  // everything the server sent
    bool closed = false;   // it closed the connection (end of stream)
    bool reset = false;    // it reset the connection instead
  };
  // Reads until the server closes the connection, resets it, or 15 s pass.
  Ending read_to_end() {
    Ending end;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        end.received.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      end.closed = n == 0;
      end.reset = n < 0 && errno == ECONNRESET;
      return end;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace eventhost::test
