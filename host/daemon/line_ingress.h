// LineIngress -- feeds events read from a file descriptor (the daemon's
// stdin with `eventhost run --stdin`), one JSON event per line, to the Host
// on a thread of its own.
//
// A bad line is logged with its number and why, and skipped: a stream
// cannot be refused as a whole. Full plugin queues slow the reader down
// (Overflow::kWait) instead of dropping. End of input is logged; the daemon
// keeps serving.
//
// Thread-safety: start() and stop() from the owning thread. The Host must
// be started before start() and must outlive stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace eventhost {

class Host;

class LineIngress {
 public:
  LineIngress(Host& host, int fd) : host_(host), fd_(fd) {}
  ~LineIngress() { stop(); }
  LineIngress(const LineIngress&) = delete;
  LineIngress& operator=(const LineIngress&) = delete;

  void start();
  // Stops reading (within ~100 ms) and joins the thread; a partial last
  // line is dropped. Idempotent.
  void stop();

  std::uint64_t emitted() const { return emitted_.load(); }
  std::uint64_t rejected() const { return rejected_.load(); }

 private:
  void run();
  void handle_line(const std::string& line, std::uint64_t number);

  Host& host_;
  const int fd_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> emitted_{0}, rejected_{0};
};

}  // namespace eventhost
