// Small helpers shared by the stream tests.
#pragma once

#include <string>
#include <vector>

#include "stream/event_stream.h"

namespace stream_test {

inline eventhost::StreamEvent event(std::uint64_t id, std::string name,
                                    std::string data = "{}") {
  return eventhost::StreamEvent{id, std::move(name), std::move(data), 0};
}

inline std::vector<std::uint64_t> ids(
    const std::vector<eventhost::StreamEventPtr>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e->id);
  return out;
}

inline std::vector<std::uint64_t> range(std::uint64_t first,
                                        std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (auto id = first; id <= last; ++id) out.push_back(id);
  return out;
}

}  // namespace stream_test
