#include "cluster/cluster_writer.h"

#include <spdlog/spdlog.h>

#include "cluster/append_script.h"
#include "cluster/stream_entry.h"
#include "common/error.h"

namespace eventhost::cluster {
namespace {

constexpr std::size_t kPerCall = 512;     // events per script call
constexpr std::size_t kPerRound = 65536;  // events per round trip
// Rounds remembered for wait_durable() and assigned_id(): an emitter asks
// right after its append, long before this many rounds pass.
constexpr std::size_t kRoundsKept = 4096;

}  // namespace

ClusterWriter::ClusterWriter(Cluster& cluster,
                             std::function<std::uint64_t()> max_entries)
    : cluster_(cluster),
      max_entries_(std::move(max_entries)),
      connection_(cluster.connect("ingest")),
      thread_([this] { loop(); }) {}

ClusterWriter::~ClusterWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t ClusterWriter::append(JournalEntry entry) {
  std::uint64_t ticket;
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(entry));
    ticket = ++appended_;
  }
  wake_.notify_one();
  return ticket;
}

std::string ClusterWriter::wait_durable(std::uint64_t ticket) {
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [&] { return done_ >= ticket; });
  auto it = rounds_.upper_bound(ticket);
  if (it == rounds_.begin()) return "";  // forgotten: long done
  --it;
  return ticket <= it->second.last ? it->second.error : "";
}

std::uint64_t ClusterWriter::assigned_id(std::uint64_t ticket) {
  std::lock_guard lock(mutex_);
  auto it = rounds_.upper_bound(ticket);
  if (it == rounds_.begin()) return 0;
  --it;
  const Round& round = it->second;
  if (ticket > round.last || round.ids.empty()) return 0;
  return round.ids[ticket - it->first];
}

std::string ClusterWriter::flush() {
  std::uint64_t upto;
  {
    std::lock_guard lock(mutex_);
    upto = appended_;
  }
  std::string first;
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [&] { return done_ >= upto; });
  for (const auto& [start, round] : rounds_) {
    if (!round.error.empty() && round.last <= upto && first.empty()) {
      first = round.error;
    }
  }
  return first;
}

void ClusterWriter::loop() {
  for (;;) {
    std::vector<JournalEntry> batch;
    std::uint64_t first;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, all written
      if (queued_.size() <= kPerRound) {
        batch.swap(queued_);
      } else {
        batch.assign(std::make_move_iterator(queued_.begin()),
                     std::make_move_iterator(queued_.begin() + kPerRound));
        queued_.erase(queued_.begin(), queued_.begin() + kPerRound);
      }
      first = done_ + 1;
    }
    std::vector<std::uint64_t> ids;
    std::string error = write(batch, ids);
    {
      std::lock_guard lock(mutex_);
      Round round;
      round.last = first + batch.size() - 1;
      round.error = std::move(error);
      if (round.error.empty()) round.ids = std::move(ids);
      rounds_.emplace(first, std::move(round));
      while (rounds_.size() > kRoundsKept) rounds_.erase(rounds_.begin());
      done_ = first + batch.size() - 1;
    }
    done_cv_.notify_all();
  }
}

std::string ClusterWriter::write(const std::vector<JournalEntry>& batch,
                                 std::vector<std::uint64_t>& ids) {
  const std::string stream = cluster_.keys().events();
  const std::string maxlen = std::to_string(max_entries_ ? max_entries_() : 0);
  const std::string& node = cluster_.options().node;
  // Each event's "level,emitted_at_us,depth" (cluster/append_script.h),
  // kept alive while the commands refer to them.
  std::vector<std::string> meta;
  meta.reserve(batch.size());
  for (const JournalEntry& e : batch) meta.push_back(stream_meta(e));
  std::vector<RedisConnection::Args> calls;
  for (std::size_t start = 0; start < batch.size(); start += kPerCall) {
    const std::size_t end = std::min(batch.size(), start + kPerCall);
    RedisConnection::Args args{"EVAL", kAppendScript, "1",
                               stream, maxlen,        node};
    args.reserve(6 + (end - start) * 3);
    for (std::size_t i = start; i < end; ++i) {
      args.push_back(batch[i].name);
      args.push_back(batch[i].payload);
      args.push_back(meta[i]);
    }
    calls.push_back(std::move(args));
  }
  const unsigned replicas = cluster_.options().wait_replicas;
  const std::string replicas_text = std::to_string(replicas);
  if (replicas > 0) calls.push_back({"WAIT", replicas_text, "2000"});
  std::vector<RedisReply> replies;
  try {
    replies = connection_->pipeline(calls);
  } catch (const Error& e) {
    cluster_.counters().append_failures.fetch_add(batch.size());
    return e.what();
  }
  ids.reserve(batch.size());
  for (std::size_t c = 0; c < calls.size(); ++c) {
    const RedisReply& r = replies[c];
    if (replicas > 0 && c + 1 == calls.size()) {
      if (r.as_integer() < static_cast<long long>(replicas)) {
        cluster_.counters().append_failures.fetch_add(batch.size());
        return "only " + std::to_string(r.as_integer()) + " of " +
               replicas_text +
               " Redis replicas confirmed the events within 2 s "
               "(--cluster-wait-replicas)";
      }
      continue;
    }
    if (r.is_error() || !r.is_array()) {
      cluster_.counters().append_failures.fetch_add(batch.size());
      return "Redis refused the events: " +
             (r.is_error() ? r.str : std::string("unexpected reply"));
    }
    for (const RedisReply& id : r.elements) {
      ids.push_back(static_cast<std::uint64_t>(id.as_integer()));
    }
  }
  if (ids.size() != batch.size()) {
    return "Redis stored " + std::to_string(ids.size()) + " of " +
           std::to_string(batch.size()) + " events";
  }
  cluster_.counters().appended.fetch_add(batch.size());
  return "";
}

}  // namespace eventhost::cluster
