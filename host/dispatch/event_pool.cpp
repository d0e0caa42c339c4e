#include "dispatch/event_pool.h"

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

#include "dispatch/spin_lock.h"

namespace eventhost {
namespace {

// Items move between a thread's cache and the shared stock this many at a
// time; a thread keeps at most two batches.
constexpr std::size_t kBatch = 64;
constexpr std::size_t kThreadMax = 2 * kBatch;
// What the stock keeps for all threads: beyond a burst this deep, freed
// events go back to the heap.
constexpr std::size_t kStockMax = 16384;
// A recycled event keeps buffers up to this size; a bigger one (a rare
// large payload) is released, so the stock never hoards big blocks.
constexpr std::size_t kKeptCapacity = 4096;

using Destroy = void (*)(void*);

// The stock shared by all threads, of one kind of item. Never destroyed:
// threads (and the last events) may outlive static destruction.
class Stock {
 public:
  explicit Stock(Destroy destroy) : destroy_(destroy) {}

  // Moves up to a batch of items to the back of `out`.
  void take_batch(std::vector<void*>& out) {
    std::lock_guard lock(lock_);
    const std::size_t n = std::min(kBatch, items_.size());
    out.insert(out.end(), items_.end() - static_cast<std::ptrdiff_t>(n),
               items_.end());
    items_.resize(items_.size() - n);
  }

  // Takes the last `n` items of `from`; destroys those that do not fit.
  void give_batch(std::vector<void*>& from, std::size_t n) {
    std::size_t kept = 0;
    {
      std::lock_guard lock(lock_);
      kept = std::min(n, kStockMax - items_.size());
      items_.insert(items_.end(),
                    from.end() - static_cast<std::ptrdiff_t>(kept), from.end());
    }
    from.resize(from.size() - kept);
    for (std::size_t i = kept; i < n; ++i) {
      destroy_(from.back());
      from.pop_back();
    }
  }

  void destroy(void* item) const { destroy_(item); }

 private:
  const Destroy destroy_;
  SpinLock lock_;
  std::vector<void*> items_;  // GUARDED_BY(lock_)
};

// One thread's items of one kind. On thread exit they go to the stock.
class Cache {
 public:
  Cache(Stock& stock, bool* gone) : stock_(stock), gone_(gone) {
    items_.reserve(kThreadMax);
  }
  ~Cache() {
    stock_.give_batch(items_, items_.size());
    *gone_ = true;
  }

  void* take() {
    if (items_.empty()) stock_.take_batch(items_);
    if (items_.empty()) return nullptr;
    void* item = items_.back();
    items_.pop_back();
    return item;
  }

  void give(void* item) {
    if (items_.size() == kThreadMax) stock_.give_batch(items_, kBatch);
    items_.push_back(item);
  }

 private:
  Stock& stock_;
  bool* const gone_;
  std::vector<void*> items_;
};

// Kind 1: Event objects, kept constructed so their strings keep room.
Stock& event_stock() {
  static Stock* stock =
      new Stock([](void* item) { delete static_cast<Event*>(item); });
  return *stock;
}

// This thread's cache of the items of `stock_of()`, or null once it is
// destroyed: a trivially destructible flag outlives it, so a release during
// thread or process teardown knows not to touch the cache.
template <Stock& (*stock_of)()>
Cache* thread_cache() {
  thread_local bool gone = false;
  if (gone) return nullptr;
  thread_local Cache cache(stock_of(), &gone);
  return &cache;
}

Cache* event_cache() { return thread_cache<event_stock>(); }

void recycle(Event* event) noexcept {
  event->cause.reset();  // may recycle the parent, on this thread
  event->id = 0;
  event->emitted_at_us = 0;
  event->level = LevelSet::kFull;
  event->depth = 0;
  // Swapped, not assigned: assigning an empty string keeps the buffer.
  if (event->name.capacity() > kKeptCapacity) std::string().swap(event->name);
  if (event->payload.capacity() > kKeptCapacity) {
    std::string().swap(event->payload);
  }
  event->name.clear();
  event->payload.clear();
  Cache* cache = event_cache();
  if (cache == nullptr) {
    delete event;
    return;
  }
  try {
    cache->give(event);
  } catch (const std::bad_alloc&) {
    delete event;  // the cache could not grow: give this one back
  }
}

// Kind 2: raw blocks for shared_ptr's control blocks.
constexpr std::size_t kBlockSize = 64;

Stock& block_stock() {
  static Stock* stock =
      new Stock([](void* block) { ::operator delete(block); });
  return *stock;
}

Cache* block_cache() { return thread_cache<block_stock>(); }

// Allocates shared_ptr's control block (n == 1) from the blocks' stock.
template <typename T>
struct BlockAllocator {
  using value_type = T;
  BlockAllocator() = default;
  template <typename U>
  explicit BlockAllocator(const BlockAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    static_assert(sizeof(T) <= kBlockSize &&
                      alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                  "a control block must fit a pooled block");
    if (n != 1) return static_cast<T*>(::operator new(n * sizeof(T)));
    Cache* cache = block_cache();
    void* block = cache != nullptr ? cache->take() : nullptr;
    return static_cast<T*>(block != nullptr ? block
                                            : ::operator new(kBlockSize));
  }

  void deallocate(T* p, std::size_t n) noexcept {
    Cache* cache = n == 1 ? block_cache() : nullptr;
    if (cache == nullptr) {
      ::operator delete(p);
      return;
    }
    try {
      cache->give(p);
    } catch (const std::bad_alloc&) {
      ::operator delete(p);
    }
  }

  friend bool operator==(const BlockAllocator&, const BlockAllocator&) {
    return true;
  }
};

}  // namespace

std::shared_ptr<Event> make_event() {
  Cache* cache = event_cache();
  void* item = cache != nullptr ? cache->take() : nullptr;
  Event* event = item != nullptr ? static_cast<Event*>(item) : new Event;
  return std::shared_ptr<Event>(event, recycle, BlockAllocator<Event>());
}

}  // namespace eventhost
