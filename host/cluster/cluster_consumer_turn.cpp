// ClusterConsumer: one turn of its loop -- the commands it sends Redis at
// once (acknowledgements, reads, claims, leases, the live stream's tail)
// and what it does with each reply.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "cluster/cluster_consumer.h"
#include "cluster/cluster_scripts.h"
#include "cluster/stream_entry.h"
#include "cluster/stream_ids.h"
#include "common/error.h"
#include "dispatch/event_pool.h"

namespace eventhost::cluster {
namespace {

EventPtr event_of(const JournalEntry& e) {
  std::shared_ptr<Event> event = make_event();
  event->id = e.id;
  event->name = e.name;
  event->payload = e.payload;
  event->emitted_at_us = e.emitted_at_us;
  event->level = static_cast<LevelSet>(e.level);
  event->depth = e.depth;
  return event;
}

}  // namespace

// One turn: every command this node needs now, sent at once; then, if
// none of them found work, a short wait (for Redis to get new entries, or
// for deliveries to finish and free a window).
void ClusterConsumer::turn(RedisConnection& redis) {
  const auto now = Clock::now();
  bool reading;
  {
    std::lock_guard lock(mutex_);
    reading = reading_;
  }
  if (reading && now >= next_refresh_) {
    refresh_consumers();
    next_refresh_ = now + kRefreshEvery;
  }
  const auto& opt = cluster_.options();
  const std::string claim_ms = std::to_string(opt.claim.count());
  // Views into these strings go into the commands: they must not move.
  std::vector<std::unique_ptr<std::string>> texts;
  auto keep = [&](std::string s) -> std::string_view {
    texts.push_back(std::make_unique<std::string>(std::move(s)));
    return *texts.back();
  };
  std::vector<RedisConnection::Args> cmds;
  std::vector<Pending> steps;

  // Acknowledgements first: they free windows for the reads below.
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, g] : groups_) {
      for (std::size_t i = 0; i < g->acks.size(); i += kAckChunk) {
        RedisConnection::Args a{"XACK", stream_, keep(g->name)};
        for (std::size_t j = i; j < std::min(g->acks.size(), i + kAckChunk);
             ++j) {
          a.push_back(keep(std::move(g->acks[j])));
        }
        cmds.push_back(std::move(a));
        steps.push_back({Step::kAck, g.get()});
      }
      g->acks.clear();
    }
    acks_waiting_ = false;
  }
  if (!claim_notes_.empty()) {
    RedisConnection::Args a{"HSET", keep(cluster_.keys().claims())};
    for (std::string& s : claim_notes_) a.push_back(keep(std::move(s)));
    claim_notes_.clear();
    cmds.push_back(std::move(a));
    steps.push_back({Step::kOther, nullptr});
  }
  if (!reading) {
    if (!cmds.empty()) {
      const auto replies = redis.pipeline(cmds);
      bool busy = false;
      for (std::size_t i = 0; i < replies.size(); ++i) {
        handle(steps[i], replies[i], busy);
      }
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(20),
                   [&] { return stopping_ || acks_waiting_; });
    return;
  }

  const std::string_view node = opt.node;
  // Nobody listens: go on from the newest entry an earlier turn saw (read
  // before this question, so before any listener that comes later).
  const bool paused = !tail_peek_.empty() && tail_.pause &&
                      tail_.pause(event_id_of(tail_peek_));
  if (paused) {
    tail_id_ = tail_peek_;
    cmds.push_back({"XREVRANGE", stream_, "+", "-", "COUNT", "1"});
    steps.push_back({Step::kTailPeek, nullptr});
  } else if (tail_id_.empty()) {
    cmds.push_back({"XREVRANGE", stream_, "+", "-", "COUNT", "1"});
    steps.push_back({Step::kTailStart, nullptr});
  } else {
    cmds.push_back(
        {"XREAD", "COUNT", "1000", "STREAMS", stream_, keep(tail_id_)});
    steps.push_back({Step::kTail, nullptr});
  }
  bool reads_groups = false;
  bool window_full = false;
  for (auto& [key, gp] : groups_) {
    Group& g = *gp;
    if (!g.present) continue;
    if (!g.created) {
      cmds.push_back(
          {"XGROUP", "CREATE", stream_, keep(g.name), "$", "MKSTREAM"});
      steps.push_back({Step::kCreate, &g});
      continue;
    }
    if (g.mode == ClusterMode::kOrdered && now >= g.lease_due) {
      cmds.push_back({"EVAL", kLeaseScript, "1",
                      keep(cluster_.keys().lease(g.key)), node, claim_ms});
      steps.push_back({Step::kLease, &g});
      g.lease_due = now + (g.lease ? opt.claim / 3 : claim_period());
    }
    if (g.mode == ClusterMode::kOrdered && !g.lease) continue;
    reads_groups = true;
    std::size_t in_flight;
    {
      std::lock_guard lock(mutex_);
      in_flight = g.in_flight.size();
    }
    if (in_flight > 0 && now >= g.keep_due) {
      cmds.push_back({"EVAL", kKeepScript, "1", stream_, keep(g.name), node});
      steps.push_back({Step::kKeep, &g});
      g.keep_due = now + opt.claim / 3;
    }
    const std::size_t room = g.window > in_flight ? g.window - in_flight : 0;
    if (room == 0) {
      window_full = true;
      continue;
    }
    const std::string_view count = keep(std::to_string(room));
    if (!g.history_done && g.history_by_claim) {
      cmds.push_back({"XAUTOCLAIM", stream_, keep(g.name), node, "0",
                      keep(g.history_cursor), "COUNT", count});
      steps.push_back({Step::kHistoryClaim, &g});
    } else if (!g.history_done) {
      cmds.push_back({"XREADGROUP", "GROUP", keep(g.name), node, "COUNT", count,
                      "STREAMS", stream_, keep(g.history_cursor)});
      steps.push_back({Step::kHistory, &g});
    } else {
      cmds.push_back({"XREADGROUP", "GROUP", keep(g.name), node, "COUNT", count,
                      "STREAMS", stream_, ">"});
      steps.push_back({Step::kRead, &g});
    }
    if (g.mode == ClusterMode::kShared && now >= g.claim_due) {
      cmds.push_back({"XAUTOCLAIM", stream_, keep(g.name), node, claim_ms,
                      keep(g.claim_cursor), "COUNT", count});
      steps.push_back({Step::kClaim, &g});
      g.claim_due = now + claim_period();
    }
  }
  const auto replies = redis.pipeline(cmds);
  bool busy = false;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    handle(steps[i], replies[i], busy);
  }
  if (busy) return;
  if (window_full) {
    // Deliveries will finish and free room: wait for that, not for Redis.
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(5),
                   [&] { return stopping_ || !reading_ || acks_waiting_; });
    return;
  }
  const std::string block = std::to_string(kBlock.count());
  if (paused) {
    if (!reads_groups) {
      // Nothing to read for anyone: look again in a while.
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kBlock, [&] { return stopping_ || !reading_; });
      return;
    }
    // Wait in Redis for the next entry, for the groups to read; the
    // entry itself is not wanted.
    redis.command({"XREAD", "COUNT", "1", "BLOCK", block, "STREAMS", stream_,
                   tail_peek_});
    return;
  }
  // Nothing to do: wait in Redis for the next entry of the stream (which
  // is also the live stream's next event).
  const RedisReply r = redis.command(
      {"XREAD", "COUNT", "1000", "BLOCK", block, "STREAMS", stream_,
       tail_id_.empty() ? "$" : std::string_view(tail_id_)});
  tail(r);
}

void ClusterConsumer::tail(const RedisReply& reply) {
  if (reply.is_error()) return;
  for (const StreamEntry& entry : read_stream_reply(reply)) {
    tail_id_ = entry.stream_id;
    if (entry.event && tail_.publish) tail_.publish(*entry.event);
  }
  // What a pause would go on from: published up to here.
  if (!tail_id_.empty()) tail_peek_ = tail_id_;
}

void ClusterConsumer::handle(const Pending& p, const RedisReply& reply,
                             bool& busy) {
  Group* g = p.group;
  if (reply.is_error()) {
    if (reply.str.rfind("BUSYGROUP", 0) == 0 && g != nullptr) {
      g->created = true;  // another node created it first
      return;
    }
    if (reply.str.rfind("NOGROUP", 0) == 0 && g != nullptr) {
      // Redis lost it (restarted without its data): make it again, from
      // the newest entry.
      spdlog::warn(
          "cluster: consumer group {} is gone from Redis; creating "
          "it again from the newest event",
          g->name);
      g->created = false;
      g->history_done = false;
      g->history_cursor = "0-0";
      return;
    }
    spdlog::warn("cluster: Redis answered {}", reply.str);
    return;
  }
  switch (p.step) {
    case Step::kCreate:
      g->created = true;
      busy = true;
      return;
    case Step::kLease: {
      const long long got = reply.as_integer();
      if (got == 0 && g->lease) {
        spdlog::warn("cluster: plugin {} lost its lease to another node",
                     g->key);
        g->lease = false;
      } else if (got != 0 && !g->lease) {
        spdlog::info("cluster: this node now runs ordered plugin {}", g->key);
        g->lease = true;
        g->history_done = false;
        g->history_by_claim = true;
        g->history_cursor = "0-0";
        g->lease_due = Clock::now() + cluster_.options().claim / 3;
        busy = true;
      }
      return;
    }
    case Step::kAck:
      cluster_.counters().acked.fetch_add(
          static_cast<std::uint64_t>(reply.as_integer()));
      return;
    case Step::kTailStart:
    case Step::kTailPeek: {
      const std::string newest = reply.is_array() && !reply.elements.empty() &&
                                         reply.elements[0].is_array() &&
                                         !reply.elements[0].elements.empty()
                                     ? reply.elements[0].elements[0].str
                                     : "0-0";
      if (p.step == Step::kTailStart) {
        tail_id_ = newest;
        busy = true;  // the next turn decides whether to read or pause
      }
      tail_peek_ = newest;
      return;
    }
    case Step::kTail:
      if (reply.is_array() && !reply.elements.empty()) busy = true;
      tail(reply);
      return;
    case Step::kHistory: {
      const auto entries = read_stream_reply(reply);
      if (entries.empty()) {
        g->history_done = true;
        return;
      }
      g->history_cursor = entries.back().stream_id;
      busy = true;
      deliver_entries(*g, entries, 2);
      return;
    }
    case Step::kHistoryClaim:
    case Step::kClaim: {
      if (!reply.is_array() || reply.elements.size() < 2) return;
      const std::string next = reply.elements[0].str;
      const auto entries = read_entries(reply.elements[1]);
      if (p.step == Step::kHistoryClaim) {
        g->history_cursor = next;
        if (next == "0-0") g->history_done = true;
      } else {
        g->claim_cursor = next;
      }
      if (entries.empty()) return;
      busy = true;
      if (p.step == Step::kClaim) {
        cluster_.counters().claims.fetch_add(1);
        cluster_.counters().claimed.fetch_add(entries.size());
        spdlog::info(
            "cluster: took over {} entries of plugin {} idle past {} ms (a "
            "node stopped)",
            entries.size(), g->key, cluster_.options().claim.count());
        claim_notes_.push_back(g->key);
        claim_notes_.push_back(nlohmann::json{
            {"node", cluster_.options().node},
            {"at_ms", unix_ms()},
            {"entries",
             entries.size()}}.dump());
      }
      deliver_entries(*g, entries, 2);
      return;
    }
    case Step::kRead: {
      const auto entries = read_stream_reply(reply);
      if (entries.empty()) return;
      busy = true;
      deliver_entries(*g, entries, 1);
      return;
    }
    case Step::kKeep:
    case Step::kOther:
      return;
  }
}

void ClusterConsumer::deliver_entries(Group& g,
                                      const std::vector<StreamEntry>& entries,
                                      std::uint32_t attempt) {
  for (const StreamEntry& entry : entries) {
    cluster_.counters().read.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t id = event_id_of(entry.stream_id);
    if (!entry.event) {
      // Trimmed from the stream (MAXLEN) while still pending, or not an
      // event of ours: nothing to deliver.
      std::lock_guard lock(mutex_);
      g.acks.push_back(entry.stream_id);
      acks_waiting_ = true;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      if (!g.in_flight.insert(id).second) continue;  // already here
    }
    const auto outcome = port_.deliver(g.key, event_of(*entry.event), attempt);
    if (outcome == DeliveryPort::Delivery::kQueued) continue;
    std::lock_guard lock(mutex_);
    g.in_flight.erase(id);
    if (outcome == DeliveryPort::Delivery::kNotTaken) {
      g.acks.push_back(entry.stream_id);
      acks_waiting_ = true;
    } else {
      g.history_done = false;  // left pending: read it again later
      g.history_cursor = "0-0";
    }
  }
}

}  // namespace eventhost::cluster
