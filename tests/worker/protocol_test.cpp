// The worker protocol's frames: what one side writes the other reads back,
// and a short or oversized frame is an error, never a wild read.
#include "worker/protocol.h"

#include <catch2/catch.hpp>
#include <cstring>

using namespace eventhost::worker;

TEST_CASE("an events frame reads back field by field") {
  FrameWriter w(MessageType::kEvents);
  w.u32(2);
  put(w, WireEvent{7, "channel.created", R"({"channel_id":1})", 123, 3, 1});
  put(w, WireEvent{8, "auth.login", "{}", -5, 2, 4});
  std::string bytes = w.finish();

  std::size_t offset = 0;
  Frame frame;
  REQUIRE(take_frame(bytes, &offset, &frame));
  CHECK(offset == bytes.size());
  CHECK(frame.type == MessageType::kEvents);
  FrameReader r(frame.body);
  REQUIRE(r.u32() == 2);
  const WireEvent a = get_event(r);
  const WireEvent b = get_event(r);
  CHECK(r.done());
  CHECK(a.id == 7);
  CHECK(a.name == "channel.created");
  CHECK(a.payload == R"({"channel_id":1})");
  CHECK(a.emitted_at_us == 123);
  CHECK(a.level == 3);
  CHECK(b.id == 8);
  CHECK(b.emitted_at_us == -5);
  CHECK(b.attempt == 4);
}

TEST_CASE("an emit frame carries the id of the event that caused it") {
  FrameWriter w(MessageType::kEmit);
  put(w, WireEmit{"channel.updated", "{}", 41});
  std::string bytes = w.finish();
  std::size_t offset = 0;
  Frame frame;
  REQUIRE(take_frame(bytes, &offset, &frame));
  CHECK(frame.type == MessageType::kEmit);
  FrameReader r(frame.body);
  const WireEmit e = get_emit(r);
  CHECK(r.done());
  CHECK(e.event == "channel.updated");
  CHECK(e.payload == "{}");
  CHECK(e.cause_id == 41);
  // The frame of an older worker, without the cause, is refused whole.
  const std::string without_cause =
      FrameWriter(MessageType::kEmit).str("a.b").str("{}").finish();
  FrameReader old(std::string_view(without_cause).substr(kFrameHeaderSize));
  CHECK_THROWS_AS(get_emit(old), ProtocolError);
}

TEST_CASE("frames split across reads are taken only once whole") {
  FrameWriter w(MessageType::kResult);
  put(w, WireResult{42, 1, 5, "boom", 1000});
  const std::string whole = w.finish();
  std::string buffer = whole.substr(0, 7);
  std::size_t offset = 0;
  Frame frame;
  CHECK_FALSE(take_frame(buffer, &offset, &frame));
  CHECK(offset == 0);
  buffer += whole.substr(7) + whole;  // the rest, then a second frame
  REQUIRE(take_frame(buffer, &offset, &frame));
  FrameReader r(frame.body);
  const WireResult result = get_result(r);
  CHECK(result.event_id == 42);
  CHECK(result.code == 5);
  CHECK(result.message == "boom");
  REQUIRE(take_frame(buffer, &offset, &frame));
  CHECK(offset == buffer.size());
}

TEST_CASE("a string that runs past the end of its frame is a protocol error") {
  FrameWriter w(MessageType::kLog);
  w.u32(1).u32(1000).u8('x');  // claims 1000 bytes, has 1
  std::string bytes = w.finish();
  std::size_t offset = 0;
  Frame frame;
  REQUIRE(take_frame(bytes, &offset, &frame));
  FrameReader r(frame.body);
  CHECK(r.u32() == 1);
  CHECK_THROWS_AS(r.str(), ProtocolError);
  FrameReader empty("");
  CHECK_THROWS_AS(empty.u64(), ProtocolError);
}

TEST_CASE("a frame header claiming more than the limit is refused") {
  std::string bytes(5, '\0');
  const std::uint32_t huge = kMaxFrameSize + 1;
  std::memcpy(bytes.data(), &huge, 4);
  std::size_t offset = 0;
  Frame frame;
  CHECK_THROWS_AS(take_frame(bytes, &offset, &frame), ProtocolError);
  const std::uint32_t zero = 0;
  std::memcpy(bytes.data(), &zero, 4);
  CHECK_THROWS_AS(take_frame(bytes, &offset, &frame), ProtocolError);
}
