// libFuzzer target: any request through the daemon's API router, as the
// HTTP server hands it over (method, target with path and query, headers,
// body), against a real started Host (tests/fuzz/fuzz_world.h). The input
// is the request as text:
//   METHOD TARGET
//   header-name: value        (any number of lines)
//                             (a blank line, then the body)
// Checked: nothing crashes, every answer has a real status, and every JSON
// answer is valid JSON (the replies are partly written by hand).
//   build-asan/tests/api/fuzz_http_api -max_total_time=60 \
//     tests/fuzz/corpus/fuzz_http_api
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "../fuzz/fuzz_world.h"

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

// The request the input spells; a line without its parts is skipped, as
// the server never hands such a request over.
eventhost::HttpRequest to_request(const std::string& input) {
  eventhost::HttpRequest req;
  std::size_t pos = input.find('\n');
  const std::string first = input.substr(0, pos);
  const auto space = first.find(' ');
  req.method = first.substr(0, space);
  req.target = space == std::string::npos ? "/" : first.substr(space + 1);
  while (pos != std::string::npos) {
    const std::size_t start = pos + 1;
    pos = input.find('\n', start);
    const std::string line = input.substr(start, pos - start);
    if (line.empty()) {
      if (pos != std::string::npos) req.body = input.substr(pos + 1);
      break;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    req.headers[lower(line.substr(0, colon))] = value;
  }
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  auto& world = eventhost::fuzz::FuzzWorld::get();
  const eventhost::HttpRequest req =
      to_request(std::string(reinterpret_cast<const char*>(data), size));
  const eventhost::HttpResponse res = world.router->handle(req);
  if (res.status < 100 || res.status > 599) std::abort();
  if (res.content_type.rfind("application/json", 0) == 0 && !res.body.empty() &&
      !nlohmann::json::accept(res.body)) {
    std::abort();
  }
  return 0;
}
