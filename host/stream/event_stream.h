// EventStream -- the live feed of emitted events behind the daemon's
// Server-Sent Events endpoint (GET /api/events/stream).
//
// Every emitted event is published once. It is kept in a bounded ring (the
// newest `ring_capacity` events, for Last-Event-ID resume) and offered to
// each subscriber whose filter matches. Each subscriber has a bounded queue
// of `client_queue` events: the host never waits for a client. A subscriber
// whose queue is full is marked overflowed: it keeps what it has, gets
// nothing more, and is woken so the server can send the rest, a final
// comment (format_sse_overflow) and close the connection.
//
// Order: publish() runs under one lock, so the ring and every queue hold
// events in publish order, even with several publishing threads.
//
// Thread-safety: every method of EventStream and Subscriber may be called
// from any thread. Wake callbacks run on the publishing thread, without
// the stream's lock held (see subscribe()).
// Errors: the constructor throws Error(kUsage) for a zero client_queue;
// nothing else throws, except std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stream/sse.h"

namespace eventhost {

class EventStream {
 public:
  struct Options {
    std::size_t ring_capacity = 1024;  // events kept for resume; 0 = none
    std::size_t client_queue = 100;    // events queued per client; > 0
  };
  class Subscriber;

  explicit EventStream(Options options);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Publishes one event: appends it to the ring and offers it to every
  // subscriber whose filter matches, one PublishedEvent shared by all (its
  // SSE message is encoded once, for all of them). Its cost grows with the
  // number of subscribers, so the daemon calls it from a StreamFeed's thread,
  // not the emitter's. Wakes (if any) are called after the lock is released.
  void publish(StreamEvent event);
  // Publishes `events` in order as one step: each subscriber's queue is
  // locked once for the batch and woken at most once (as publishing them
  // one by one would wake it: when its queue turns non-empty or overflows).
  void publish(std::vector<StreamEvent> events);

  // filter: event name patterns ("channel.*", "auth.login_failed", "*");
  // empty means every event.
  // resume_after: the client's Last-Event-ID. Held events with a larger id
  // that match are queued at once, in publish order; if there are more than
  // client_queue, only the newest client_queue are queued and the rest count
  // in missed_on_resume(). Take them right after subscribing: wake is not
  // called for them.
  // wake: called on the publishing thread whenever the queue goes from empty
  // to non-empty, and once when it overflows. It must be cheap, must not
  // throw, must not call close() on this subscriber and must not own it
  // (the usual body posts a handler holding a weak_ptr to the session).
  // Once close() has returned, wake is not running and is never called
  // again, so it may refer to an object the closer is about to destroy.
  // A wake may arrive after a take() already emptied the queue; take()
  // then returns nothing.
  std::shared_ptr<Subscriber> subscribe(
      std::vector<std::string> filter,
      std::optional<std::uint64_t> resume_after, std::function<void()> wake);

  // Subscribers not yet closed (overflowed ones count until closed).
  std::size_t active_clients() const;
  // For a publisher that stops publishing while nobody listens (a node of
  // a cluster does not read the cluster's stream back then): if no
  // subscriber is attached, forgets the held events and takes every event
  // up to `newest` as published and evicted, so a subscriber that joins
  // next gets newest_at_subscribe() == newest and resumes anything older
  // from the journal; returns true. With a subscriber attached it changes
  // nothing and returns false. The publisher then publishes the events
  // after `newest`, in order, and nothing older. Once a stream skipped, a
  // subscriber that resumes after an id gets no event up to that id (the
  // publisher may resume from an older point than the client's).
  bool skip_if_idle(std::uint64_t newest);
  // Events published since construction.
  std::uint64_t total_events_broadcast() const;
  // The id of the oldest event held in the ring; 0 if the ring is empty.
  std::uint64_t oldest_held_id() const;

 private:
  struct Hub;
  struct Channel;
  std::shared_ptr<Hub> hub_;  // shared with Subscribers, which may outlive us
};

// One client's view of the stream. Obtained from EventStream::subscribe();
// closes itself when destroyed. May outlive its EventStream (it then gets
// nothing more).
class EventStream::Subscriber {
 public:
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Takes every queued event, oldest first, without blocking.
  std::vector<StreamEventPtr> take();
  // True once the queue overflowed: nothing more will be queued; take() what
  // is left, send format_sse_overflow() and close the connection.
  bool overflowed() const;
  // How many events after resume_after could not be replayed: those beyond
  // client_queue that matched, plus those already evicted from the ring.
  // Evicted events are counted from their ids (assumed dense), without the
  // filter, since their names are gone: with a filter this may over-count,
  // but 0 always means a complete resume.
  std::uint64_t missed_on_resume() const;
  // The newest event the ring held when this subscriber joined (0 if it
  // held none): every later event reaches the queue, so a resume from a
  // durable journal needs nothing newer than this.
  std::uint64_t newest_at_subscribe() const;
  // Detaches from the stream and drops what is queued. Idempotent; blocks
  // only while a wake call for this subscriber is running.
  void close();

 private:
  friend class EventStream;
  Subscriber(std::weak_ptr<Hub> hub, std::shared_ptr<Channel> channel);

  std::weak_ptr<Hub> hub_;
  std::shared_ptr<Channel> channel_;
};

}  // namespace eventhost
