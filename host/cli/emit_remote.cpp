#include "cli/emit_remote.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/exit_codes.h"
#include "cli/output.h"

namespace eventhost::cli {
namespace {

// A batch is one request and one journal commit in the daemon, and the
// next is sent once it is acknowledged: 500 lines a batch held the command
// to 135 000 events/s on round trips and commits. Big batches stay under
// the daemon's default body limit (1 MiB, `run --max-body`); a daemon
// started with a lower one answers 413 and the batch is sent in halves.
constexpr std::size_t kBatchLines = 8192;
constexpr std::size_t kBatchBytes = 512 * 1024;

// Reads lines from a file descriptor; can tell whether more input is
// ready right now, so a batch is sent when the writer pauses.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // The next line and its number; false at end of input.
  bool next(std::string& line, std::size_t& number) {
    for (;;) {
      const auto end = buffer_.find('\n', start_);
      if (end != std::string::npos) {
        line = buffer_.substr(start_, end - start_);
        start_ = end + 1;
        number = ++count_;
        return true;
      }
      buffer_.erase(0, start_);
      start_ = 0;
      if (!fill()) {
        if (buffer_.empty()) return false;
        line = std::move(buffer_);
        buffer_.clear();
        number = ++count_;
        return true;
      }
    }
  }
  // True if a line can be returned without waiting more than `ms`.
  bool ready(int ms) const {
    if (buffer_.find('\n', start_) != std::string::npos || eof_) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }

 private:
  bool fill() {
    char chunk[65536];
    ssize_t n;
    do {
      n = ::read(fd_, chunk, sizeof chunk);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string buffer_;
  std::size_t start_ = 0, count_ = 0;
  bool eof_ = false;
};

struct Line {
  std::size_t number;
  std::string text;
};

struct Totals {
  std::size_t emitted = 0, suppressed = 0;
  nlohmann::json rejected = nlohmann::json::array();
};

// Sends `batch`; a rejected line is reported and dropped, the rest is sent
// again (the daemon emits nothing from a batch with a bad line).
void send_batch(DaemonClient& daemon, std::vector<Line> batch, Totals& totals) {
  while (!batch.empty()) {
    std::string body;
    for (const Line& l : batch) {
      body += l.text;
      body += '\n';
    }
    // Only the ids and counts are used: the daemon need not describe each
    // event (api/api_events.cpp).
    const HttpResponse res =
        daemon.send("POST", "/api/events", body, "application/x-ndjson",
                    {{"Prefer", "return=minimal"}});
    if (res.status == 413 && batch.size() > 1) {
      const auto half =
          batch.begin() + static_cast<std::ptrdiff_t>(batch.size() / 2);
      std::vector<Line> second(std::make_move_iterator(half),
                               std::make_move_iterator(batch.end()));
      batch.erase(half, batch.end());
      send_batch(daemon, std::move(batch), totals);
      batch = std::move(second);
      continue;
    }
    const auto answer = nlohmann::json::parse(res.body, nullptr, false);
    if (res.status == 200) {
      totals.emitted += answer.value("ids", nlohmann::json::array()).size();
      totals.suppressed += answer.value("suppressed", std::size_t{0});
      return;
    }
    const std::size_t bad = answer.is_object() ? answer.value("line", 0) : 0;
    if (res.status != 400 || bad == 0 || bad > batch.size()) {
      throw_api_error(res);
    }
    std::string why = answer.value("error", "");
    why = why.substr(why.find(": ") == std::string::npos ? 0
                                                         : why.find(": ") + 2);
    why = why.substr(0, why.rfind("; nothing from this batch"));
    const Line& line = batch[bad - 1];
    std::cerr << "eventhost: line " << line.number << " rejected: " << why
              << "\n";
    totals.rejected.push_back({{"line", line.number}, {"reason", why}});
    batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(bad - 1));
  }
}

int open_source(const std::string& source) {
  if (source == "-") return STDIN_FILENO;
  const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::kIo,
                "cannot read " + source + ": " + std::strerror(errno));
  }
  return fd;
}

}  // namespace

int emit_one_remote(const Invocation& inv, DaemonClient& daemon,
                    const std::string& event, const std::string& payload) {
  const auto data = nlohmann::json::parse(payload, nullptr, false);
  if (data.is_discarded()) {
    throw Error(ErrorKind::kInvalidInput,
                "the payload of " + event + " is not valid JSON");
  }
  const HttpResponse res =
      daemon.send("POST", "/api/events",
                  nlohmann::json{{"event", event}, {"data", data}}.dump(),
                  "application/json");
  if (res.status != 200) throw_api_error(res);
  const auto out = nlohmann::json::parse(res.body);
  if (inv.globals.json) {
    print_json(out);
  } else if (out.value("suppressed", false)) {
    std::cout << event << " " << out.value("reason", "suppressed") << "\n";
  } else {
    const auto queued = out.value("queued", std::size_t{0});
    std::cout << out.value("event", event) << " #"
              << out["id"].get<std::uint64_t>() << " queued for " << queued
              << (queued == 1 ? " plugin" : " plugins")
              << " in the running daemon\n";
  }
  return kExitOk;
}

int emit_ndjson_remote(const Invocation& inv, DaemonClient& daemon) {
  const std::string source = inv.vm["ndjson"].as<std::string>();
  const int fd = open_source(source);
  LineReader reader(fd);
  Totals totals;
  std::vector<Line> batch;
  std::string text;
  std::size_t number = 0, bytes = 0;
  while (reader.next(text, number)) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    bytes += text.size() + 1;
    batch.push_back({number, std::move(text)});
    if (batch.size() >= kBatchLines || bytes >= kBatchBytes ||
        !reader.ready(50)) {
      send_batch(daemon, std::move(batch), totals);
      batch.clear();
      bytes = 0;
    }
  }
  send_batch(daemon, std::move(batch), totals);
  if (fd != STDIN_FILENO) ::close(fd);
  if (inv.globals.json) {
    print_json({{"emitted", totals.emitted},
                {"suppressed", totals.suppressed},
                {"rejected", totals.rejected},
                {"daemon", true}});
  } else {
    std::cout << totals.emitted << " emitted, " << totals.suppressed
              << " suppressed, " << totals.rejected.size()
              << " rejected (sent to the running daemon)\n";
  }
  return totals.rejected.empty() ? kExitOk : kExitInvalidInput;
}

}  // namespace eventhost::cli
