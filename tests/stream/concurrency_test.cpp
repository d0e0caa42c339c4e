// EventStream across threads: concurrent publishers, and close() racing a
// wake. Meant to run clean under ThreadSanitizer too.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "stream/event_stream.h"
#include "stream_helpers.h"

using eventhost::EventStream;
using stream_test::event;

namespace {

constexpr int kThreads = 4;
constexpr int kPerThread = 10'000;

// A drainer woken through the subscriber's wake callback, as the server is.
struct Signal {
  void notify() {
    std::lock_guard lock(mutex);
    pending = true;
    cv.notify_one();
  }
  void wait_for_a_while() {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::milliseconds(5), [&] { return pending; });
    pending = false;
  }
  std::mutex mutex;
  std::condition_variable cv;
  bool pending = false;  // GUARDED_BY(mutex)
};

}  // namespace

TEST_CASE("Four publishers lose nothing for a subscriber that keeps draining") {
  // The queue could hold everything, so a drainer descheduled on a busy
  // machine cannot overflow: the test is about races, not about speed.
  EventStream stream(
      {.ring_capacity = 1024, .client_queue = kThreads * kPerThread});
  Signal signal;
  auto sub =
      stream.subscribe({"load.*"}, std::nullopt, [&] { signal.notify(); });
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<int> finished{0};
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t) {
    publishers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto e =
            event(next_id++, "load.t" + std::to_string(t), std::to_string(i));
        stream.publish(std::move(e));
      }
      ++finished;
    });
  }
  std::vector<int> next_seq(kThreads, 0);
  std::size_t received = 0;
  bool in_order = true;
  auto drain = [&] {
    for (const auto& e : sub->take()) {
      const int t = e->name.back() - '0';
      in_order = in_order && std::stoi(e->data) == next_seq[t];
      ++next_seq[t];
      ++received;
    }
  };
  while (finished.load() < kThreads) {
    signal.wait_for_a_while();
    drain();
  }
  for (auto& p : publishers) p.join();
  drain();
  CHECK(received == kThreads * kPerThread);
  CHECK(in_order);
  CHECK_FALSE(sub->overflowed());
  CHECK(stream.total_events_broadcast() == kThreads * kPerThread);
}

TEST_CASE("close() waits for a wake under way, and no wake follows it") {
  EventStream stream({});
  std::atomic<bool> in_wake{false};
  std::atomic<bool> wake_done{false};
  std::atomic<int> wakes{0};
  auto sub = stream.subscribe({}, std::nullopt, [&] {
    ++wakes;
    in_wake = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    wake_done = true;
  });
  std::thread publisher([&] { stream.publish(event(1, "a.b")); });
  while (!in_wake) std::this_thread::yield();
  sub->close();
  CHECK(wake_done);  // close() returned only after the wake did
  publisher.join();
  stream.publish(event(2, "a.b"));
  CHECK(wakes == 1);
}

TEST_CASE("Subscribers come and go while events are published") {
  EventStream stream({.ring_capacity = 64, .client_queue = 8});
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    for (std::uint64_t id = 1; !stop; ++id) stream.publish(event(id, "a.b"));
  });
  for (int i = 0; i < 200; ++i) {
    auto sub = stream.subscribe(
        {"a.*"}, i % 2 ? std::optional<std::uint64_t>(0) : std::nullopt, [] {});
    sub->take();
  }
  stop = true;
  publisher.join();
  CHECK(stream.active_clients() == 0);
}
