#include "stream/event_stream.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <iterator>
#include <mutex>
#include <utility>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost {

// One subscriber's queue. Shared by the Hub's list (while attached), the
// Subscriber handle, and briefly by a publisher about to wake it: that last
// share is why a wake can race with close(), and why wake_mutex exists.
struct EventStream::Channel {
  Channel(std::vector<std::string> filter_in, std::function<void()> wake_in)
      : filter(std::move(filter_in)), wake(std::move(wake_in)) {}

  bool matches(std::string_view name) const {
    if (filter.empty()) return true;
    return std::any_of(filter.begin(), filter.end(),
                       [&](const auto& p) { return event_matches(p, name); });
  }

  // Queues the events it wants, in order, until full; returns true if the
  // subscriber must be woken (its queue was empty and is not, or it has
  // just overflowed).
  bool offer(const std::vector<StreamEventPtr>& events, std::size_t limit) {
    std::lock_guard lock(mutex);
    if (overflowed) return false;
    const bool was_empty = queue.empty();
    for (const StreamEventPtr& event : events) {
      if ((floor != 0 && event->id <= floor) || !matches(event->name)) {
        continue;
      }
      if (queue.size() >= limit) {
        overflowed = true;
        return true;
      }
      queue.push_back(event);
    }
    return was_empty && !queue.empty();
  }

  void notify() {
    std::lock_guard lock(wake_mutex);
    if (!wake_closed && wake) wake();
  }

  void close() {
    {
      std::lock_guard lock(mutex);
      queue.clear();
    }
    // Waits for a running wake to return; after this none starts.
    std::lock_guard lock(wake_mutex);
    wake_closed = true;
  }

  const std::vector<std::string> filter;
  const std::function<void()> wake;
  std::uint64_t missed_on_resume = 0;     // set before the Channel is shared
  std::uint64_t newest_at_subscribe = 0;  // likewise
  // Events up to this id, if not 0, are not queued (see skip_if_idle);
  // likewise.
  std::uint64_t floor = 0;

  mutable std::mutex mutex;
  std::deque<StreamEventPtr> queue;  // GUARDED_BY(mutex)
  bool overflowed = false;           // GUARDED_BY(mutex)

  std::mutex wake_mutex;     // held while wake runs
  bool wake_closed = false;  // GUARDED_BY(wake_mutex)
};

// Everything the stream shares with its Subscribers, so a Subscriber that
// outlives the EventStream can still close() safely.
// Lock order: Hub::mutex before Channel::mutex; wake_mutex is never taken
// with either held.
struct EventStream::Hub {
  explicit Hub(Options options_in) : options(options_in) {}

  void append(StreamEventPtr event) {  // REQUIRES(mutex)
    if (options.ring_capacity == 0) return;
    if (ring.size() == options.ring_capacity) {
      ++evicted;
      max_evicted_id = std::max(max_evicted_id, ring.front()->id);
      ring.pop_front();
    }
    ring.push_back(std::move(event));
  }

  // Events after `after` that left the ring, judged by id (names are gone).
  std::uint64_t missed_by_eviction(std::uint64_t after) const {  // REQUIRES
    if (evicted == 0 || max_evicted_id <= after) return 0;
    return std::min(evicted, max_evicted_id - after);
  }

  // Queues the held events after `after` that `channel` wants, keeping the
  // newest client_queue; returns how many it could not replay.
  std::uint64_t replay(Channel& channel, std::uint64_t after) {  // REQUIRES
    std::vector<StreamEventPtr> wanted;
    for (const auto& event : ring) {
      if (event->id > after && channel.matches(event->name)) {
        wanted.push_back(event);
      }
    }
    const std::size_t limit = options.client_queue;
    const std::size_t skip = wanted.size() > limit ? wanted.size() - limit : 0;
    std::lock_guard lock(channel.mutex);
    channel.queue.assign(wanted.begin() + static_cast<std::ptrdiff_t>(skip),
                         wanted.end());
    return missed_by_eviction(after) + skip;
  }

  void detach(const Channel* channel) {
    std::lock_guard lock(mutex);
    std::erase_if(channels, [&](const auto& c) { return c.get() == channel; });
  }

  const Options options;
  std::atomic<std::uint64_t> published{0};

  mutable std::mutex mutex;
  std::deque<StreamEventPtr> ring;                 // GUARDED_BY(mutex)
  std::uint64_t evicted = 0;                       // GUARDED_BY(mutex)
  std::uint64_t max_evicted_id = 0;                // GUARDED_BY(mutex)
  bool skipped = false;                            // GUARDED_BY(mutex)
  std::vector<std::shared_ptr<Channel>> channels;  // GUARDED_BY(mutex)
};

EventStream::EventStream(Options options) {
  if (options.client_queue == 0) {
    throw Error(ErrorKind::kUsage,
                "EventStream: client_queue must be at least 1 event");
  }
  hub_ = std::make_shared<Hub>(options);
}

EventStream::~EventStream() = default;

void EventStream::publish(StreamEvent event) {
  std::vector<StreamEvent> one;
  one.push_back(std::move(event));
  publish(std::move(one));
}

void EventStream::publish(std::vector<StreamEvent> events) {
  if (events.empty()) return;
  std::vector<StreamEventPtr> shared;
  shared.reserve(events.size());
  for (StreamEvent& event : events) {
    shared.push_back(std::make_shared<const PublishedEvent>(std::move(event)));
  }
  std::vector<std::shared_ptr<Channel>> to_wake;
  {
    std::lock_guard lock(hub_->mutex);
    hub_->published.fetch_add(shared.size(), std::memory_order_relaxed);
    for (const auto& channel : hub_->channels) {
      if (channel->offer(shared, hub_->options.client_queue)) {
        to_wake.push_back(channel);
      }
    }
    for (StreamEventPtr& event : shared) hub_->append(std::move(event));
  }
  // Outside the lock: a wake may take time or publish in turn.
  for (const auto& channel : to_wake) channel->notify();
}

std::shared_ptr<EventStream::Subscriber> EventStream::subscribe(
    std::vector<std::string> filter, std::optional<std::uint64_t> resume_after,
    std::function<void()> wake) {
  auto channel = std::make_shared<Channel>(std::move(filter), std::move(wake));
  {
    std::lock_guard lock(hub_->mutex);
    if (resume_after) {
      channel->missed_on_resume = hub_->replay(*channel, *resume_after);
    }
    channel->newest_at_subscribe =
        hub_->ring.empty() ? hub_->max_evicted_id : hub_->ring.back()->id;
    // A publisher that skipped resumes from its skip point, which may be
    // older than what this client says it has: it must not get those
    // again. (One that never skipped publishes only newer events.)
    if (resume_after && hub_->skipped) channel->floor = *resume_after;
    hub_->channels.push_back(channel);
  }
  return std::shared_ptr<Subscriber>(new Subscriber(hub_, std::move(channel)));
}

std::size_t EventStream::active_clients() const {
  std::lock_guard lock(hub_->mutex);
  return hub_->channels.size();
}

bool EventStream::skip_if_idle(std::uint64_t newest) {
  std::lock_guard lock(hub_->mutex);
  if (!hub_->channels.empty()) return false;
  hub_->skipped = true;
  if (!hub_->ring.empty()) {
    hub_->evicted += hub_->ring.size();
    hub_->max_evicted_id =
        std::max(hub_->max_evicted_id, hub_->ring.back()->id);
    hub_->ring.clear();
  }
  // Counted as evicted, so a resume without a journal reports the gap.
  if (newest > hub_->max_evicted_id) {
    hub_->evicted += newest - hub_->max_evicted_id;
    hub_->max_evicted_id = newest;
  }
  return true;
}

std::uint64_t EventStream::total_events_broadcast() const {
  return hub_->published.load(std::memory_order_relaxed);
}

std::uint64_t EventStream::oldest_held_id() const {
  std::lock_guard lock(hub_->mutex);
  return hub_->ring.empty() ? 0 : hub_->ring.front()->id;
}

EventStream::Subscriber::Subscriber(std::weak_ptr<Hub> hub,
                                    std::shared_ptr<Channel> channel)
    : hub_(std::move(hub)), channel_(std::move(channel)) {}

EventStream::Subscriber::~Subscriber() { close(); }

std::vector<StreamEventPtr> EventStream::Subscriber::take() {
  std::lock_guard lock(channel_->mutex);
  std::vector<StreamEventPtr> out(
      std::make_move_iterator(channel_->queue.begin()),
      std::make_move_iterator(channel_->queue.end()));
  channel_->queue.clear();
  return out;
}

bool EventStream::Subscriber::overflowed() const {
  std::lock_guard lock(channel_->mutex);
  return channel_->overflowed;
}

std::uint64_t EventStream::Subscriber::newest_at_subscribe() const {
  return channel_->newest_at_subscribe;
}

std::uint64_t EventStream::Subscriber::missed_on_resume() const {
  return channel_->missed_on_resume;
}

void EventStream::Subscriber::close() {
  // Detach first so no publisher queues or wakes anew, then wait out a wake
  // already under way.
  if (auto hub = hub_.lock()) hub->detach(channel_.get());
  channel_->close();
}

}  // namespace eventhost
