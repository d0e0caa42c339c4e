// SSE framing of stream events.
#include "stream/sse.h"

#include <catch2/catch.hpp>

using eventhost::format_sse;
using eventhost::format_sse_comment;
using eventhost::format_sse_overflow;
using eventhost::StreamEvent;

TEST_CASE(
    "An event is framed as id, event and data lines ending in a blank line") {
  StreamEvent e{42, "channel.created", R"({"id":7,"name":"News"})", 1};
  CHECK(
      format_sse(e) ==
      "id: 42\nevent: channel.created\ndata: {\"id\":7,\"name\":\"News\"}\n\n");
}

TEST_CASE("Data with line breaks becomes one data line per line") {
  StreamEvent e{1, "a.b", "{\n\"x\": 1\n}", 0};
  CHECK(format_sse(e) ==
        "id: 1\nevent: a.b\ndata: {\ndata: \"x\": 1\ndata: }\n\n");

  e.data = "one\r\ntwo\rthree\n";
  CHECK(format_sse(e) ==
        "id: 1\nevent: a.b\ndata: one\ndata: two\ndata: three\ndata: \n\n");
}

TEST_CASE("Empty data still gives a data line, so the client dispatches it") {
  StreamEvent e{3, "a.b", "", 0};
  CHECK(format_sse(e) == "id: 3\nevent: a.b\ndata: \n\n");
}

TEST_CASE("A comment is a colon line ending in a blank line") {
  CHECK(format_sse_comment("heartbeat") == ": heartbeat\n\n");
  CHECK(format_sse_comment("a\nb") == ": a\n: b\n\n");
}

TEST_CASE("The overflow message is a comment naming the queue limit") {
  const std::string text = format_sse_overflow(100);
  CHECK(text.rfind(": ", 0) == 0);
  CHECK(text.find("100 events") != std::string::npos);
  CHECK(text.find('\n') == text.size() - 2);
  CHECK(text.substr(text.size() - 2) == "\n\n");
}
