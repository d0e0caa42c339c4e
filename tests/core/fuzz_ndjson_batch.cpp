// libFuzzer target: an NDJSON batch as POST /api/events reads it (and
// `emit --ndjson` and --stdin read the same envelopes): the body cut into
// numbered lines (ndjson_lines), each line's envelope read
// (parse_event_document) and its payload checked against the built-in
// catalogue (check_payload), as Host::check does. Checked: nothing
// crashes, only Error is ever thrown, and the lines are exactly the
// non-blank lines of the body, numbered from 1 in order, each a view into
// the body with no newline in it.
//   build-asan/tests/core/fuzz_ndjson_batch -max_total_time=60 \
//     tests/fuzz/corpus/fuzz_ndjson_batch
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "catalogue/catalogue.h"
#include "catalogue/payload.h"
#include "common/error.h"
#include "core/event_document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto lines = eventhost::ndjson_lines(body);
  std::size_t previous = 0, nonblank = 0, number = 0, pos = 0;
  // The reference cut: every line, blank or not.
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    ++number;
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      if (nonblank >= lines.size() || lines[nonblank].first != number ||
          lines[nonblank].second.data() != line.data() ||
          lines[nonblank].second.size() != line.size()) {
        std::abort();
      }
      ++nonblank;
    }
    pos = end + 1;
  }
  if (nonblank != lines.size()) std::abort();

  const eventhost::Catalogue& catalogue = eventhost::Catalogue::builtin();
  for (const auto& [n, line] : lines) {
    if (n <= previous || line.find('\n') != std::string_view::npos) {
      std::abort();
    }
    previous = n;
    try {
      const auto [event, payload] = eventhost::parse_event_document(line);
      if (const eventhost::EventSpec* spec = catalogue.find(event)) {
        (void)eventhost::check_payload(*spec, payload);
      }
    } catch (const eventhost::Error&) {
      // A refused line: the batch answers 400 naming it.
    }
  }
  return 0;
}
