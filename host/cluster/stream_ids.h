// Event ids in a cluster: each event's id is its entry id in the cluster's
// stream, "MS-SEQ", written as one number, MS * 1000 + SEQ. The cluster's
// append script (cluster/append_script.h) keeps SEQ below 1000 (past 999
// events in one millisecond it moves on to the next millisecond), so ids
// grow with the stream over the whole cluster, never repeat, and stay
// below 2^53 until the year 2255 (exact in JavaScript's numbers).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eventhost::cluster {

inline constexpr std::uint64_t kSeqPerMs = 1000;

// "1764590400123-5" -> 1764590400123005; 0 if `id` is not MS-SEQ with
// SEQ < 1000.
std::uint64_t event_id_of(std::string_view stream_id);
// The inverse: 1764590400123005 -> "1764590400123-5".
std::string stream_id_of(std::uint64_t event_id);

// Milliseconds since the Unix epoch on this node's clock, as the times a
// node writes into Redis (heartbeats, claim notes) are given.
std::int64_t unix_ms();

}  // namespace eventhost::cluster
