// libFuzzer target: any bytes a client writes on the daemon's control
// socket, read by the real HttpServer (Beast's parser, the body limit, the
// live stream) and answered through the API router as a trusted request,
// against a real started Host (tests/fuzz/fuzz_world.h). Each input is one
// connection: the bytes are written, the writing side is shut, and the
// answer read until the server closes or 200 ms pass (a live stream stays
// open). Checked: nothing crashes, and whatever comes back is an HTTP/1.1
// response.
//   build-asan/tests/http/fuzz_control_socket -max_total_time=60 \
//     tests/fuzz/corpus/fuzz_control_socket
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../fuzz/fuzz_world.h"
#include "http/http_server.h"

namespace {

using eventhost::fuzz::FuzzWorld;

eventhost::HttpServer& server() {
  static eventhost::HttpServer* instance = [] {
    FuzzWorld& world = FuzzWorld::get();
    eventhost::HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.control_socket = world.root / "control.sock";
    options.body_limit = 64 << 10;
    options.heartbeat = std::chrono::milliseconds(50);
    options.header_timeout = std::chrono::milliseconds(1000);
    options.body_timeout = std::chrono::milliseconds(1000);
    // Never destroyed; stopped at exit before the world it serves goes
    // (an atexit handler registered after the world was made runs before
    // the world's destructor).
    auto* s = new eventhost::HttpServer(
        options,
        [&world](const eventhost::HttpRequest& r) {
          return world.router->handle(r);
        },
        world.stream);
    s->start();
    std::atexit([] { server().stop(); });
    return s;
  }();
  return *instance;
}

int connect_control() {
  const std::string path = (FuzzWorld::get().root / "control.sock").string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    std::abort();
  return fd;
}

// Writes what the server takes; it may answer (and close) before reading
// everything, which is not a failure.
void write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::string read_answer(int fd) {
  std::string answer;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return answer;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return answer;
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return answer;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  (void)server();
  const int fd = connect_control();
  write_all(fd, data, size);
  ::shutdown(fd, SHUT_WR);
  const std::string answer = read_answer(fd);
  ::close(fd);
  if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  return 0;
}
