#include "stream/stream_feed.h"

#include <chrono>
#include <utility>

#include "common/thread_priority.h"
#include "stream/event_stream.h"

namespace eventhost {
namespace {

constexpr std::size_t kGather = 1024;  // events that end the gathering
constexpr std::chrono::microseconds kLinger{1000};  // its longest wait

}  // namespace

StreamFeed::StreamFeed(EventStream& stream, std::size_t max_pending, int nice)
    : stream_(stream),
      max_pending_(max_pending == 0 ? 1 : max_pending),
      nice_(nice),
      thread_([this] { run(); }) {}

StreamFeed::~StreamFeed() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void StreamFeed::push(StreamEvent event) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_.size() < max_pending_; });
  pending_.push_back(std::move(event));
  ++pushed_;
  // The thread waits for a first event, then for a full gathering.
  if (pending_.size() == 1 || pending_.size() == kGather) work_.notify_one();
}

void StreamFeed::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = pushed_;
  done_.wait(lock, [this, target] { return published_ >= target; });
}

void StreamFeed::run() {
  lower_thread_priority(nice_);
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and nothing left
    // A burst (a POST's batch) comes an event at a time: gathered for a
    // moment, each client is offered and woken once for many events, not
    // once per event, which costs less and leaves the CPUs to the emitter.
    if (!stopping_ && pending_.size() < kGather) {
      work_.wait_for(lock, kLinger, [this] {
        return stopping_ || pending_.size() >= kGather;
      });
    }
    std::vector<StreamEvent> batch;
    batch.swap(pending_);
    lock.unlock();
    const std::size_t count = batch.size();
    stream_.publish(std::move(batch));
    lock.lock();
    published_ += count;
    done_.notify_all();
  }
}

}  // namespace eventhost
