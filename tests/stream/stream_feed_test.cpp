// StreamFeed: the emitter hands events over and goes on; the feed's thread
// publishes them, in order, however slow the fan-out is. And the batch
// publish it uses: one message per event, shared by every subscriber.
#include "stream/stream_feed.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "stream/event_stream.h"
#include "stream_helpers.h"

using eventhost::EventStream;
using eventhost::StreamFeed;
using stream_test::event;
using stream_test::ids;
using stream_test::range;
using Ids = std::vector<std::uint64_t>;

namespace {

// A gate a wake can be held at until the test opens it.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> reached{false};
  void wait() {
    reached = true;
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      open = true;
    }
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("an emitter is not held up by a subscriber whose wake is stuck") {
  EventStream stream({.ring_capacity = 16, .client_queue = 1000});
  Gate gate;
  auto stuck = stream.subscribe({}, std::nullopt, [&] { gate.wait(); });
  StreamFeed feed(stream);
  feed.push(event(1, "a.b"));
  while (!gate.reached) std::this_thread::yield();
  // The feed's thread is held inside the wake: pushing goes on regardless.
  for (std::uint64_t id = 2; id <= 500; ++id) feed.push(event(id, "a.b"));
  gate.release();
  feed.flush();
  CHECK(ids(stuck->take()) == range(1, 500));
  stuck->close();
}

TEST_CASE("events pushed from several threads are published in push order") {
  EventStream stream({.ring_capacity = 0, .client_queue = 100000});
  auto sub = stream.subscribe({}, std::nullopt, [] {});
  StreamFeed feed(stream, 64);  // small: pushers also wait for room
  std::mutex order_mutex;
  std::vector<std::uint64_t> order;  // as pushed, under order_mutex
  std::vector<std::thread> pushers;
  for (int t = 0; t < 4; ++t) {
    pushers.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < 2000; ++i) {
        std::lock_guard lock(order_mutex);
        const std::uint64_t id = static_cast<std::uint64_t>(t) * 10000 + i;
        order.push_back(id);
        feed.push(event(id, "a.b"));
      }
    });
  }
  for (auto& p : pushers) p.join();
  feed.flush();
  CHECK(ids(sub->take()) == order);
  CHECK(stream.total_events_broadcast() == 8000);
}

TEST_CASE("a feed publishes what is still pending when it is destroyed") {
  EventStream stream({});
  auto sub = stream.subscribe({}, std::nullopt, [] {});
  {
    StreamFeed feed(stream);
    for (std::uint64_t id = 1; id <= 50; ++id) feed.push(event(id, "a.b"));
  }
  CHECK(ids(sub->take()) == range(1, 50));
}

TEST_CASE("an event's message is encoded once and shared by all subscribers") {
  EventStream stream({});
  auto a = stream.subscribe({}, std::nullopt, [] {});
  auto b = stream.subscribe({"a.*"}, std::nullopt, [] {});
  stream.publish(event(7, "a.b", "{\"x\": 1}"));
  const auto got_a = a->take();
  const auto got_b = b->take();
  REQUIRE(got_a.size() == 1);
  REQUIRE(got_b.size() == 1);
  CHECK(got_a.front() == got_b.front());  // the same object, not a copy
  CHECK(got_a.front()->frame() == "id: 7\nevent: a.b\ndata: {\"x\": 1}\n\n");
  CHECK(&got_a.front()->frame() == &got_b.front()->frame());
}

TEST_CASE("a batch keeps its order, honours filters and wakes each once") {
  EventStream stream({.ring_capacity = 16, .client_queue = 4});
  int wakes_all = 0, wakes_c = 0, wakes_full = 0;
  auto all = stream.subscribe({}, std::nullopt, [&] { ++wakes_all; });
  auto only_c = stream.subscribe({"c.*"}, std::nullopt, [&] { ++wakes_c; });
  std::vector<eventhost::StreamEvent> batch;
  for (std::uint64_t id = 1; id <= 3; ++id) batch.push_back(event(id, "a.b"));
  batch.push_back(event(4, "c.d"));
  stream.publish(std::move(batch));
  CHECK(wakes_all == 1);
  CHECK(wakes_c == 1);
  CHECK(ids(all->take()) == Ids{1, 2, 3, 4});
  CHECK(ids(only_c->take()) == Ids{4});

  // A batch larger than the queue: what fits, then the overflow, one wake.
  auto full = stream.subscribe({}, std::nullopt, [&] { ++wakes_full; });
  std::vector<eventhost::StreamEvent> big;
  for (std::uint64_t id = 5; id <= 10; ++id) big.push_back(event(id, "a.b"));
  stream.publish(std::move(big));
  CHECK(wakes_full == 1);
  CHECK(full->overflowed());
  CHECK(ids(full->take()) == Ids{5, 6, 7, 8});
  CHECK(stream.total_events_broadcast() == 10);
  CHECK(stream.oldest_held_id() == 1);
}
