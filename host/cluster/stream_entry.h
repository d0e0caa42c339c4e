// How an event is written in the cluster's stream, and read back: the
// fields e (name), p (payload), m ("level,emitted_at_us,depth": one field
// rather than three, which costs Redis less per event) and n (the node
// that accepted it). Entries written by earlier versions, with l (level),
// t (emitted_at_us) and d (causal depth) apart, are read as well.
//
// Thread-safety: pure functions. Errors: none thrown; an entry that cannot
// be read gives nullopt.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/redis_connection.h"
#include "state/journal.h"

namespace eventhost::cluster {

struct StreamEntry {
  std::string stream_id;
  std::optional<JournalEntry> event;  // nullopt: deleted, or not ours
  std::string node;                   // who accepted it
};

// The m field of `entry`: "level,emitted_at_us,depth".
std::string stream_meta(const JournalEntry& entry);

// One [id, [field, value, ...]] element of an XRANGE / XREAD reply.
StreamEntry read_stream_entry(const RedisReply& element);
// Every entry of an XREAD / XREADGROUP reply ([[stream, [entries]]]).
std::vector<StreamEntry> read_stream_reply(const RedisReply& reply);
// Every entry of an XRANGE reply, or of XAUTOCLAIM's second element.
std::vector<StreamEntry> read_entries(const RedisReply& entries);

}  // namespace eventhost::cluster
