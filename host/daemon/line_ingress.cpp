#include "daemon/line_ingress.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
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
    std::vector<Line> lines;
    std::size_t start = 0, end;
    while ((end = pending.find('\n', start)) != std::string::npos) {
      lines.push_back({pending.substr(start, end - start), ++number});
      start = end + 1;
    }
    pending.erase(0, start);
    ingest(std::move(lines));
  }
  if (!stopping_.load() && !pending.empty()) {
    ingest({{pending, ++number}});
  }
  spdlog::info(
      "stdin closed after {} lines: {} events emitted, {} lines rejected; "
      "still serving HTTP",
      number, emitted_.load(), rejected_.load());
}

void LineIngress::ingest(std::vector<Line> lines) {
  auto backoff = std::chrono::milliseconds(100);
  for (bool again = false; !lines.empty() && !stopping_.load(); again = true) {
    if (again) {
      for (auto waited = std::chrono::milliseconds(0);
           waited < backoff && !stopping_.load();
           waited += std::chrono::milliseconds(20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      backoff = std::min(2 * backoff, std::chrono::milliseconds(5000));
    }
    std::vector<std::uint64_t> tickets;
    std::vector<Line> emitted;
    for (Line& line : lines) {
      const std::uint64_t ticket = emit_line(line);
      if (ticket == 0) continue;
      tickets.push_back(ticket);
      emitted.push_back(std::move(line));
    }
    lines = std::move(emitted);
    const std::string why = keep_unstored(lines, tickets);
    if (!why.empty() && !again) {
      spdlog::error(
          "stdin lines {} to {} were not stored ({}); emitting them again "
          "until they are, reading no more stdin meanwhile",
          lines.front().number, lines.back().number, why);
    } else if (why.empty() && again) {
      spdlog::info("stdin: the lines held back are stored now");
    }
  }
}

std::uint64_t LineIngress::emit_line(const Line& line) {
  if (line.text.find_first_not_of(" \t\r") == std::string::npos) return 0;
  try {
    const auto [event, payload] = parse_event_document(line.text);
    const EmitOutcome out =
        host_.emit(event, payload, Dispatcher::Overflow::kWait);
    if (out.suppressed) return 0;
    if (out.journal_ticket == 0) emitted_.fetch_add(1);  // no journal
    return out.journal_ticket;
  } catch (const Error& e) {
    rejected_.fetch_add(1);
    spdlog::warn("stdin line {} rejected: {}", line.number, e.what());
    return 0;
  }
}

std::string LineIngress::keep_unstored(
    std::vector<Line>& lines, const std::vector<std::uint64_t>& tickets) {
  std::vector<Line> unstored;
  std::string why;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string error = host_.wait_durable(tickets[i]);
    if (error.empty()) {
      emitted_.fetch_add(1);
      continue;
    }
    why = error;
    unstored.push_back(std::move(lines[i]));
  }
  lines = std::move(unstored);
  return why;
}

}  // namespace eventhost
