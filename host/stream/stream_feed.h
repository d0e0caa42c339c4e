// StreamFeed -- puts emitted events on an EventStream from a thread of its
// own, so that an emitter (a POST's handler, a plugin) never waits for the
// fan-out to the live stream's clients: push() queues the event and
// returns at once, whatever the number of clients. The thread publishes
// what has gathered, in push order, as one batch (EventStream::publish of
// a vector): each client's queue is locked, and the client woken, once per
// batch. Having woken, it gathers for up to 1 ms (or 1 024 events) first,
// so a burst makes a few batches rather than one per event.
//
// With `nice` > 0 the thread runs that much nicer than the process
// (common/thread_priority.h): when the CPUs are busy, the fan-out gives
// way to the emitters instead of slowing them down.
//
// Bounded: at most `max_pending` events wait. Past that, push() blocks
// until the thread has caught up, so emitters are slowed (as they were
// when they published themselves) instead of memory growing; it happens
// only when the fan-out cannot keep up with the emit rate.
//
// Thread-safety: push() and flush() from any thread. The destructor
// publishes what is still pending and joins the thread; `stream` must
// outlive the feed, and nothing may push once its destruction began.
// Errors: none (std::bad_alloc aside).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "stream/sse.h"

namespace eventhost {

class EventStream;

class StreamFeed {
 public:
  explicit StreamFeed(EventStream& stream, std::size_t max_pending = 65536,
                      int nice = 0);
  ~StreamFeed();
  StreamFeed(const StreamFeed&) = delete;
  StreamFeed& operator=(const StreamFeed&) = delete;

  // Queues `event` for the stream; blocks only while max_pending wait.
  void push(StreamEvent event);
  // Returns once every event pushed before the call has been published
  // (subscribers have it queued and were woken).
  void flush();

 private:
  void run();

  EventStream& stream_;
  const std::size_t max_pending_;
  const int nice_;
  std::mutex mutex_;
  std::condition_variable work_;      // the thread waits here for events
  std::condition_variable done_;      // push() for room, flush() for progress
  std::vector<StreamEvent> pending_;  // GUARDED_BY(mutex_)
  std::uint64_t pushed_ = 0;          // GUARDED_BY(mutex_)
  std::uint64_t published_ = 0;       // GUARDED_BY(mutex_)
  bool stopping_ = false;             // GUARDED_BY(mutex_)
  std::thread thread_;                // last: starts once the rest exists
};

}  // namespace eventhost
