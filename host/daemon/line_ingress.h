// LineIngress -- feeds events read from a file descriptor (the daemon's
// stdin with `eventhost run --stdin`), one JSON event per line, to the Host
// on a thread of its own.
//
// A bad line is logged with its number and why, and skipped: a stream
// cannot be refused as a whole. Full plugin queues slow the reader down
// (Overflow::kWait) instead of dropping. The lines of each read count as
// emitted only once the journal (or, in a cluster, Redis) has stored them;
// while it cannot (a full disk, Redis down) the reader emits what was not
// stored again with a back-off (0.1 s doubling to 5 s) and reads nothing
// more, so the writer is held back instead of its events being lost (on
// a single node such an event was delivered already, and may reach the
// plugins twice, as when an HTTP client sends a 500'd batch again). End
// of input is logged; the daemon keeps serving.
//
// Thread-safety: start() and stop() from the owning thread. The Host must
// be started before start() and must outlive stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

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
  struct Line {
    std::string text;
    std::uint64_t number;
  };
  void run();
  // Emits `lines` until every one is stored or rejected (or stop()).
  void ingest(std::vector<Line> lines);
  // Emits one line; returns its journal ticket (0: nothing to wait for).
  std::uint64_t emit_line(const Line& line);
  // Waits for `tickets`; keeps in `lines` those the journal did not store
  // and returns why ("" if every one is stored).
  std::string keep_unstored(std::vector<Line>& lines,
                            const std::vector<std::uint64_t>& tickets);

  Host& host_;
  const int fd_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> emitted_{0}, rejected_{0};
};

}  // namespace eventhost
