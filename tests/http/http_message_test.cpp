// The request values the HTTP API reads: the query string and the live
// stream's resume point.
#include "http/http_message.h"

#include <catch2/catch.hpp>

using namespace eventhost;

namespace {

HttpRequest with_target(const std::string& target) {
  HttpRequest req;
  req.method = "GET";
  req.target = target;
  return req;
}

}  // namespace

TEST_CASE("query parameters are found by name and percent-decoded") {
  const HttpRequest req = with_target("/api/journal?event=channel.%2A&limit=5");
  CHECK(req.path() == "/api/journal");
  CHECK(req.query("event") == "channel.*");
  CHECK(req.query("limit") == "5");
  CHECK(req.query("after") == "");
  CHECK(url_decode("a+b%20c%2") == "a b c%2");
}

TEST_CASE("a resume point is read from Last-Event-ID, else the query") {
  HttpRequest req = with_target("/api/events/stream?last_event_id=7");
  CHECK(req.last_event_id() == std::optional<std::uint64_t>(7));
  req.headers["last-event-id"] = "42";
  CHECK(req.last_event_id() == std::optional<std::uint64_t>(42));
  CHECK_FALSE(with_target("/api/events/stream").last_event_id());
  HttpRequest largest = with_target("/s");
  largest.headers["last-event-id"] = "18446744073709551615";
  CHECK(largest.last_event_id() ==
        std::optional<std::uint64_t>(18446744073709551615ull));
}

TEST_CASE(
    "a Last-Event-ID that is not a decimal id resumes nothing: no sign, "
    "space, suffix or overflow") {
  for (const char* text : {"-1", "+7", " 7", "7 ", "7abc", "0x10", "1e3",
                           "18446744073709551616", "abc"}) {
    HttpRequest req = with_target("/api/events/stream");
    req.headers["last-event-id"] = text;
    INFO(text);
    CHECK_FALSE(req.last_event_id());
  }
}
