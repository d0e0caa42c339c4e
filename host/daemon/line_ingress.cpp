#include "daemon/line_ingress.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/error.h"
#include "core/event_document.h"
#include "core/host.h"

namespace eventhost {

void LineIngress::start() {
  thread_ = std::thread([this] { run(); });
}

void LineIngress::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

// poll() with a short timeout so that stop() is noticed even when the
// writer is silent; a blocking read could not be interrupted.
void LineIngress::run() {
  std::string pending;
  std::uint64_t number = 0;
  char buffer[65536];
  while (!stopping_.load()) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    const ssize_t n = ready < 0 ? -1 : ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0, end;
    while ((end = pending.find('\n', start)) != std::string::npos) {
      handle_line(pending.substr(start, end - start), ++number);
      start = end + 1;
    }
    pending.erase(0, start);
  }
  if (!stopping_.load() && !pending.empty()) handle_line(pending, ++number);
  spdlog::info(
      "stdin closed after {} lines: {} events emitted, {} lines rejected; "
      "still serving HTTP",
      number, emitted_.load(), rejected_.load());
}

void LineIngress::handle_line(const std::string& line, std::uint64_t number) {
  if (line.find_first_not_of(" \t\r") == std::string::npos) return;
  try {
    const auto [event, payload] = parse_event_document(line);
    const EmitOutcome out =
        host_.emit(event, payload, Dispatcher::Overflow::kWait);
    if (!out.suppressed) emitted_.fetch_add(1);
  } catch (const Error& e) {
    rejected_.fetch_add(1);
    spdlog::warn("stdin line {} rejected: {}", number, e.what());
  }
}

}  // namespace eventhost
