#include "cluster/stream_ids.h"

#include <charconv>
#include <chrono>

namespace eventhost::cluster {

std::uint64_t event_id_of(std::string_view stream_id) {
  const auto dash = stream_id.find('-');
  if (dash == std::string_view::npos) return 0;
  std::uint64_t ms = 0, seq = 0;
  const char* begin = stream_id.data();
  const char* mid = begin + dash;
  const char* end = begin + stream_id.size();
  auto [p1, e1] = std::from_chars(begin, mid, ms);
  auto [p2, e2] = std::from_chars(mid + 1, end, seq);
  if (e1 != std::errc() || p1 != mid || e2 != std::errc() || p2 != end ||
      dash == 0 || seq >= kSeqPerMs) {
    return 0;
  }
  return ms * kSeqPerMs + seq;
}

std::string stream_id_of(std::uint64_t event_id) {
  return std::to_string(event_id / kSeqPerMs) + "-" +
         std::to_string(event_id % kSeqPerMs);
}

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

}  // namespace eventhost::cluster
