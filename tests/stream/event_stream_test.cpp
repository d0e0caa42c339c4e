// EventStream on one thread: filters, order, ring, resume, overflow, wake,
// close.
#include "stream/event_stream.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "stream_helpers.h"

using eventhost::EventStream;
using Ids = std::vector<std::uint64_t>;
using stream_test::event;
using stream_test::ids;
using stream_test::range;

namespace {

void publish_range(EventStream& stream, std::uint64_t first, std::uint64_t last,
                   const std::string& name = "a.b") {
  for (auto id = first; id <= last; ++id) stream.publish(event(id, name));
}

}  // namespace

TEST_CASE("A subscriber gets only the events its filter matches") {
  EventStream stream({});
  auto filtered =
      stream.subscribe({"channel.*", "auth.login_failed"}, std::nullopt, {});
  auto everything = stream.subscribe({}, std::nullopt, {});
  stream.publish(event(1, "channel.created"));
  stream.publish(event(2, "auth.login"));
  stream.publish(event(3, "auth.login_failed"));
  stream.publish(event(4, "recording.started"));
  stream.publish(event(5, "channel.deleted"));
  CHECK(ids(filtered->take()) == Ids{1, 3, 5});
  CHECK(ids(everything->take()) == Ids{1, 2, 3, 4, 5});
}

TEST_CASE("Events are taken in publish order, and take() empties the queue") {
  EventStream stream({});
  auto sub = stream.subscribe({"*"}, std::nullopt, {});
  publish_range(stream, 10, 19);
  const auto taken = sub->take();
  CHECK(ids(taken) == range(10, 19));
  CHECK(taken.front()->name == "a.b");
  CHECK(sub->take().empty());
  CHECK(stream.total_events_broadcast() == 10);
}

TEST_CASE("The ring keeps the newest events and reports the oldest held id") {
  EventStream stream({.ring_capacity = 3, .client_queue = 100});
  CHECK(stream.oldest_held_id() == 0);
  publish_range(stream, 1, 3);
  CHECK(stream.oldest_held_id() == 1);
  publish_range(stream, 4, 5);
  CHECK(stream.oldest_held_id() == 3);
  auto sub = stream.subscribe({}, 0, {});
  CHECK(ids(sub->take()) == Ids{3, 4, 5});
}

TEST_CASE("A zero ring keeps nothing to resume from") {
  EventStream stream({.ring_capacity = 0, .client_queue = 10});
  publish_range(stream, 1, 3);
  CHECK(stream.oldest_held_id() == 0);
  CHECK(stream.total_events_broadcast() == 3);
}

TEST_CASE("Resume queues the held events after Last-Event-ID that match") {
  EventStream stream({});
  stream.publish(event(1, "channel.created"));
  stream.publish(event(2, "auth.login"));
  stream.publish(event(3, "channel.updated"));
  stream.publish(event(4, "channel.deleted"));
  auto sub = stream.subscribe({"channel.*"}, 1, {});
  CHECK(ids(sub->take()) == Ids{3, 4});
  CHECK(sub->missed_on_resume() == 0);
  stream.publish(event(5, "channel.created"));
  CHECK(ids(sub->take()) == Ids{5});
}

TEST_CASE("Resume past events evicted from the ring reports them missed") {
  EventStream stream({.ring_capacity = 4, .client_queue = 100});
  publish_range(stream, 1, 10);  // holds 7..10
  auto sub = stream.subscribe({}, 2, {});
  CHECK(ids(sub->take()) == range(7, 10));
  CHECK(sub->missed_on_resume() == 4);  // 3..6

  auto recent = stream.subscribe({}, 6, {});
  CHECK(ids(recent->take()) == range(7, 10));
  CHECK(recent->missed_on_resume() == 0);
}

TEST_CASE("Resume with more held events than the queue keeps the newest") {
  EventStream stream({.ring_capacity = 50, .client_queue = 5});
  publish_range(stream, 1, 20);
  auto sub = stream.subscribe({}, 10, {});
  CHECK(ids(sub->take()) == range(16, 20));
  CHECK(sub->missed_on_resume() == 5);  // 11..15
}

TEST_CASE("Resume from an id newer than every held event gives nothing") {
  EventStream stream({});
  publish_range(stream, 1, 5);
  auto sub = stream.subscribe({}, 99, {});
  CHECK(sub->take().empty());
  CHECK(sub->missed_on_resume() == 0);
}

TEST_CASE(
    "A slow subscriber overflows at exactly client_queue; a fast one gets "
    "all") {
  EventStream stream({.ring_capacity = 16, .client_queue = 4});
  auto slow = stream.subscribe({}, std::nullopt, {});
  auto fast = stream.subscribe({}, std::nullopt, {});
  Ids fast_got;
  for (std::uint64_t id = 1; id <= 20; ++id) {
    stream.publish(event(id, "a.b"));
    CHECK(slow->overflowed() == (id > 4));
    for (auto got : ids(fast->take())) fast_got.push_back(got);
  }
  CHECK(fast_got == range(1, 20));
  CHECK_FALSE(fast->overflowed());
  CHECK(ids(slow->take()) == range(1, 4));  // keeps what it had
  stream.publish(event(21, "a.b"));
  CHECK(slow->take().empty());          // and gets nothing more
  CHECK(stream.active_clients() == 2);  // until the server closes it
}

TEST_CASE("Wake is called when the queue becomes non-empty and on overflow") {
  EventStream stream({.ring_capacity = 16, .client_queue = 3});
  int wakes = 0;
  auto sub = stream.subscribe({"a.*"}, std::nullopt, [&] { ++wakes; });
  stream.publish(event(1, "a.x"));
  CHECK(wakes == 1);
  stream.publish(event(2, "a.x"));
  stream.publish(event(3, "b.x"));  // not matched: no wake
  CHECK(wakes == 1);
  CHECK(sub->take().size() == 2);
  stream.publish(event(4, "a.x"));
  CHECK(wakes == 2);
  stream.publish(event(5, "a.x"));
  stream.publish(event(6, "a.x"));  // queue full now (4, 5, 6)
  CHECK(wakes == 2);
  stream.publish(event(7, "a.x"));  // overflow
  CHECK(wakes == 3);
  stream.publish(event(8, "a.x"));  // overflowed: no more wakes
  CHECK(wakes == 3);
}

TEST_CASE("Resumed events are queued without a wake") {
  EventStream stream({});
  publish_range(stream, 1, 3);
  int wakes = 0;
  auto sub = stream.subscribe({}, 1, [&] { ++wakes; });
  CHECK(wakes == 0);
  CHECK(ids(sub->take()) == Ids{2, 3});
}

TEST_CASE("close() stops delivery and active_clients drops") {
  EventStream stream({});
  int wakes = 0;
  auto a = stream.subscribe({}, std::nullopt, [&] { ++wakes; });
  auto b = stream.subscribe({}, std::nullopt, {});
  CHECK(stream.active_clients() == 2);
  stream.publish(event(1, "a.b"));
  a->close();
  CHECK(stream.active_clients() == 1);
  CHECK(a->take().empty());  // what was queued is dropped
  stream.publish(event(2, "a.b"));
  CHECK(a->take().empty());
  CHECK(wakes == 1);
  a->close();  // idempotent
  CHECK(stream.active_clients() == 1);
  b.reset();  // the destructor closes too
  CHECK(stream.active_clients() == 0);
}

TEST_CASE("A subscriber may outlive its stream") {
  auto stream = std::make_unique<EventStream>(EventStream::Options{});
  auto sub = stream->subscribe({}, std::nullopt, {});
  stream->publish(event(1, "a.b"));
  stream.reset();
  CHECK(ids(sub->take()) == Ids{1});
  sub->close();
  CHECK(sub->take().empty());
}

TEST_CASE("A zero client queue is refused") {
  CHECK_THROWS_AS(EventStream({.ring_capacity = 1, .client_queue = 0}),
                  eventhost::Error);
}

TEST_CASE(
    "A skip with nobody subscribed drops the held events: the next "
    "subscriber resumes what it lacks from the journal") {
  EventStream stream({4, 10});
  publish_range(stream, 1, 3);
  REQUIRE(stream.skip_if_idle(9));
  CHECK(stream.oldest_held_id() == 0);
  auto late = stream.subscribe({}, std::uint64_t{2}, {});
  // Nothing held to replay, and the journal has everything up to 9.
  CHECK(late->take().empty());
  CHECK(late->newest_at_subscribe() == 9);
  CHECK(late->missed_on_resume() > 0);
  publish_range(stream, 10, 11);
  CHECK(ids(late->take()) == Ids{10, 11});
}

TEST_CASE("A skip with a subscriber attached changes nothing") {
  EventStream stream({4, 10});
  publish_range(stream, 1, 3);
  auto listening = stream.subscribe({}, std::nullopt, {});
  CHECK_FALSE(stream.skip_if_idle(9));
  CHECK(stream.oldest_held_id() == 1);
  publish_range(stream, 4, 4);
  CHECK(ids(listening->take()) == Ids{4});
  listening->close();
  CHECK(stream.skip_if_idle(9));
}

TEST_CASE(
    "After a skip, a subscriber resuming after an id gets no event up to "
    "it, though the publisher goes on from an older point") {
  EventStream stream({4, 10});
  REQUIRE(stream.skip_if_idle(5));
  auto resumed = stream.subscribe({}, std::uint64_t{7}, {});
  auto live = stream.subscribe({}, std::nullopt, {});
  publish_range(stream, 6, 9);
  CHECK(ids(resumed->take()) == Ids{8, 9});
  CHECK(ids(live->take()) == Ids{6, 7, 8, 9});
}
