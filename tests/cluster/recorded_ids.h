// What a recorder plugin (tests/plugins/recorder) wrote: one line
// "on_channel_created ID ..." a call, read back as the ids in the order
// the calls came.
//
// Thread-safety: any thread. Errors: a missing file reads as no calls.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "../cli/cli_sandbox.h"

namespace eventhost::test {

inline std::vector<std::uint64_t> recorded_channel_created(
    const fs::path& file) {
  std::vector<std::uint64_t> ids;
  std::istringstream in(read_text(file));
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string symbol;
    std::uint64_t id = 0;
    words >> symbol >> id;
    if (symbol == "on_channel_created") ids.push_back(id);
  }
  return ids;
}

}  // namespace eventhost::test
