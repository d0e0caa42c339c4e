// RingQueue -- a FIFO in one circular buffer that grows by doubling and
// never shrinks, so once a plugin's queue has reached its usual depth,
// queueing and taking work allocate nothing (a std::deque allocates and
// frees a block every few items as it cycles).
//
// Thread-safety: none; the owner locks.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace eventhost {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // REQUIRES(!empty())
  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }

  void push_back(T value) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(value);
    ++size_;
  }

  void push_front(T value) {
    if (size_ == slots_.size()) grow();
    head_ = (head_ + slots_.size() - 1) & (slots_.size() - 1);
    slots_[head_] = std::move(value);
    ++size_;
  }

  // REQUIRES(!empty()). The slot is left moved-from: for the shared_ptr in
  // a Work that means empty, so nothing stays alive in the buffer.
  T pop_front() {
    T value = std::move(slots_[head_]);
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return value;
  }

  // Takes everything, in order, leaving the queue empty.
  std::vector<T> take_all() {
    std::vector<T> out;
    out.reserve(size_);
    while (!empty()) out.push_back(pop_front());
    return out;
  }

 private:
  // Capacities are powers of two, so wrapping is a mask.
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) {
      bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    }
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace eventhost
