// Journal -- the durable record of every accepted event, in the state file's
// `journal` table, written by group commit: appenders queue entries and go
// on, one writer thread commits whatever has queued in one transaction, and
// a front end waits (wait_durable) before it tells its emitter "accepted".
// The host appends the accepted event itself (append_shared): the queue
// holds a reference to its buffer, not a copy, until the batch commits.
//
// Durability: kProcess (the default) commits in WAL mode with
// synchronous=NORMAL: a committed event survives the process being killed
// (kill -9), not a power cut. kFull adds an fsync per batch
// (synchronous=FULL) and survives power loss too.
//
// Thread-safety: every method may be called from any thread. Reads use a
// connection of their own, so they never wait for the writer's batch.
// Errors: the constructor throws Error(kIo) if the file cannot be opened;
// a failed commit is reported by wait_durable() and logged, and later
// appends keep trying. After a failure (a full disk, an I/O error) the
// writer also tries a small write of its own every second until one
// succeeds, so problem() clears by itself once the disk works again, even
// when nothing is emitted meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace eventhost {

enum class Durability : std::uint8_t { kProcess, kFull };

struct JournalEntry {
  std::uint64_t id = 0;
  std::string name;
  std::string payload;
  std::uint32_t level = 0;  // LevelSet value
  std::int64_t emitted_at_us = 0;
  // The event's causal depth (dispatch/event.h). Kept by a cluster's log,
  // where it travels with the event to other nodes; not in the state file.
  std::uint32_t depth = 0;
};

// An entry whose name and payload belong to `owner` (the host's accepted
// event): the journal keeps `owner` alive until the entry is committed
// instead of copying the text, so appending allocates nothing per event.
struct SharedJournalEntry {
  std::shared_ptr<const void> owner;  // keeps name and payload valid
  std::uint64_t id = 0;
  std::string_view name;
  std::string_view payload;
  std::uint32_t level = 0;  // LevelSet value
  std::int64_t emitted_at_us = 0;
};

struct JournalQuery {
  std::uint64_t after_id = 0;  // entries with a larger id
  std::int64_t since_us = 0;   // emitted at or after (0 = any)
  std::string pattern;         // "channel.*"; "" = every event
  std::size_t limit = 100;
};

struct RetentionReport {
  std::uint64_t removed = 0;
  std::uint64_t kept = 0;
  std::uint64_t oldest_id = 0;  // the oldest id left (0 if empty)
};

class Journal {
 public:
  // Opens the journal in the state file at `path` (the StateStore created
  // it and its schema first).
  Journal(const std::filesystem::path& path, Durability durability);
  ~Journal();  // commits what is queued
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Queues `entry` for the next commit; returns its ticket. Never blocks
  // on the disk.
  std::uint64_t append(JournalEntry entry);
  // The same for text someone else owns (see SharedJournalEntry).
  std::uint64_t append_shared(SharedJournalEntry entry);
  // Blocks until every entry appended up to `ticket` is committed. Returns
  // "" on success, else why the commit failed.
  std::string wait_durable(std::uint64_t ticket);
  // Waits for everything appended so far; "" or the first failure seen.
  std::string flush();

  // Why the journal cannot write now ("" when its last write succeeded).
  std::string problem();
  // Reports a failed write to the same file made elsewhere (reserving event
  // ids): problem() says so until the writer's next successful write.
  void write_failed(const std::string& error);

  std::vector<JournalEntry> list(const JournalQuery& query);
  std::optional<JournalEntry> get(std::uint64_t id);
  std::uint64_t last_id();
  // Removes entries emitted before `min_time_us` (0 = no age limit), then
  // the oldest until the journal holds at most `max_bytes` of names and
  // payloads (0 = no size limit).
  RetentionReport enforce_retention(std::int64_t min_time_us,
                                    std::uint64_t max_bytes);

 private:
  struct Db;
  void writer_loop();
  void commit(const std::vector<SharedJournalEntry>& batch);
  void probe();
  void set_problem(const std::string& error);  // "" = writing again

  const std::filesystem::path path_;
  std::unique_ptr<Db> writer_db_;  // writer thread only
  std::unique_ptr<Db> reader_db_;  // under read_mutex_
  std::mutex read_mutex_;

  std::mutex mutex_;
  std::condition_variable wake_writer_, committed_cv_;
  std::vector<SharedJournalEntry> queued_;  // GUARDED_BY(mutex_)
  std::uint64_t appended_ = 0;              // GUARDED_BY(mutex_)
  std::uint64_t committed_ = 0;             // GUARDED_BY(mutex_)
  struct Failure {
    std::uint64_t first, last;  // tickets of the batch that failed
    std::string error;
  };
  std::deque<Failure> failures_;  // GUARDED_BY(mutex_), recent ones
  std::string problem_;           // GUARDED_BY(mutex_)
  bool stopping_ = false;         // GUARDED_BY(mutex_)
  std::thread writer_;
};

}  // namespace eventhost
