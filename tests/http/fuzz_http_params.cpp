// libFuzzer target: the two parsers of request text the daemon runs on
// what any client sends before any authorization, the query string
// (HttpRequest::query, url_decode) and the live stream's resume point
// (HttpRequest::last_event_id, from the Last-Event-ID header or the
// last_event_id parameter). The input is a request target; its first line,
// if it has two, is a Last-Event-ID header. Checked: nothing crashes, a
// decoded value is never longer than its text, and a resume point is only
// ever the decimal number its text spells.
//   build-asan/tests/http/fuzz_http_params -max_total_time=60 \
//     tests/fuzz/corpus/fuzz_http_params
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/http_message.h"

namespace {

void check_id(const std::string& text, std::optional<std::uint64_t> id) {
  if (!id) return;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    std::abort();
  std::uint64_t value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value != *id)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  eventhost::HttpRequest req;
  req.method = "GET";
  const auto newline = input.find('\n');
  if (newline == std::string::npos) {
    req.target = input;
  } else {
    req.headers["last-event-id"] = input.substr(0, newline);
    req.target = input.substr(newline + 1);
  }
  if (eventhost::url_decode(req.target).size() > req.target.size())
    std::abort();
  for (const char* name : {"last_event_id", "events", "limit", "after", ""}) {
    if (req.query(name).size() > req.target.size()) std::abort();
  }
  (void)req.path();
  const std::string id_text = req.header("last-event-id").empty()
                                  ? req.query("last_event_id")
                                  : req.header("last-event-id");
  check_id(id_text, req.last_event_id());
  return 0;
}
