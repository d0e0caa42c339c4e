// ClusterWriter -- the ingest half of a cluster's event log: events queue
// here and one writer thread appends whatever has queued to the cluster's
// stream, 512 events to a script call (cluster/append_script.h), every
// call of a round sent at once (pipelined) and answered together, then
// WAIT for replicas if --cluster-wait-replicas asks. An emitter waits
// (wait_durable) before it tells its client "accepted", then reads the
// ids the stream gave (assigned_id).
//
// A round that fails (Redis down, refused, too few replicas) fails every
// event in it: they are not retried, so an emitter that was told "not
// accepted" can send them again without the first copy turning up later.
// (If the connection broke after Redis ran the script, they are in the
// stream anyway: at least once.)
//
// Thread-safety: every method from any thread.
// Errors: append() never throws; wait_durable() returns why a round
// failed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "state/journal.h"

namespace eventhost::cluster {

class ClusterWriter {
 public:
  // `max_entries` gives the stream's MAXLEN for the next round (0 = none).
  ClusterWriter(Cluster& cluster, std::function<std::uint64_t()> max_entries);
  ~ClusterWriter();  // appends what is queued (or fails it), then stops
  ClusterWriter(const ClusterWriter&) = delete;
  ClusterWriter& operator=(const ClusterWriter&) = delete;

  std::uint64_t append(JournalEntry entry);
  std::string wait_durable(std::uint64_t ticket);
  std::uint64_t assigned_id(std::uint64_t ticket);
  std::string flush();

 private:
  void loop();
  // Appends `batch` (tickets first..); returns "" or why not, and fills
  // `ids` on success.
  std::string write(const std::vector<JournalEntry>& batch,
                    std::vector<std::uint64_t>& ids);

  Cluster& cluster_;
  const std::function<std::uint64_t()> max_entries_;
  std::unique_ptr<RedisConnection> connection_;  // writer thread only

  std::mutex mutex_;
  std::condition_variable wake_, done_cv_;
  std::vector<JournalEntry> queued_;  // GUARDED_BY(mutex_)
  std::uint64_t appended_ = 0;        // GUARDED_BY(mutex_)
  std::uint64_t done_ = 0;            // GUARDED_BY(mutex_)
  struct Round {
    std::uint64_t last;  // its last ticket; its first is the previous last + 1
    std::vector<std::uint64_t> ids;  // empty if it failed
    std::string error;
  };
  std::map<std::uint64_t, Round> rounds_;  // GUARDED_BY(mutex_), by first
  bool stopping_ = false;                  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace eventhost::cluster
