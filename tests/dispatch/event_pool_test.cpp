// The event pool (dispatch/event_pool.h): events are recycled, not freed,
// and a recycled event carries nothing of its earlier life.
#include "dispatch/event_pool.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using namespace eventhost;

TEST_CASE("a recycled event comes back empty and lets go of its cause") {
  std::shared_ptr<Event> parent = make_event();
  parent->name = "recording.started";
  const std::weak_ptr<const Event> parent_alive = parent;

  std::shared_ptr<Event> child = make_event();
  child->id = 42;
  child->name = "recording.completed";
  child->payload = std::string(300, 'x');
  child->emitted_at_us = 1234;
  child->level = LevelSet::kCritical;
  child->depth = 3;
  child->cause = std::move(parent);
  const Event* first_life = child.get();
  child.reset();
  CHECK(parent_alive.expired());  // the child's cause went with it

  // The thread that freed it makes the next event from it.
  const std::shared_ptr<Event> next = make_event();
  CHECK(next.get() == first_life);
  CHECK(next->id == 0);
  CHECK(next->name.empty());
  CHECK(next->payload.empty());
  CHECK(next->payload.capacity() >= 300);  // its buffer was kept
  CHECK(next->emitted_at_us == 0);
  CHECK(next->level == LevelSet::kFull);
  CHECK(next->depth == 0);
  CHECK(next->cause == nullptr);
}

TEST_CASE("a recycled event does not keep a large payload's buffer") {
  std::shared_ptr<Event> big = make_event();
  big->payload = std::string(1 << 20, 'x');
  big.reset();
  const std::shared_ptr<Event> next = make_event();
  CHECK(next->payload.empty());
  CHECK(next->payload.capacity() < (1 << 20));
}

TEST_CASE("events freed on another thread come back to the emitting thread") {
  constexpr int kEvents = 4096;
  std::vector<std::shared_ptr<Event>> made;
  std::vector<const Event*> addresses;
  for (int i = 0; i < kEvents; ++i) {
    made.push_back(make_event());
    made.back()->payload = "{\"n\":" + std::to_string(i) + "}";
    addresses.push_back(made.back().get());
  }
  // A pool thread ends the last delivery, so it frees them.
  std::thread([&made] { made.clear(); }).join();
  std::sort(addresses.begin(), addresses.end());
  int reused = 0;
  for (int i = 0; i < kEvents; ++i) {
    const std::shared_ptr<Event> again = make_event();
    CHECK(again->payload.empty());
    if (std::binary_search(addresses.begin(), addresses.end(), again.get())) {
      ++reused;
    }
    made.push_back(again);
  }
  // All but what the freeing thread's own cache kept when it exited (it
  // hands those on too) come back.
  CHECK(reused == kEvents);
}
