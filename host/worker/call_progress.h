// CallProgress -- where a worker is in the events it was sent, kept in a
// page of memory it shares with its host. It lets results come back in one
// frame per batch instead of one per event, and still tells the host, when
// a worker dies or hangs, which call it was in and how every call before
// that one ended.
//
// The host makes the page (a memfd) before it spawns the worker and hands
// it over as fd kProgressFd; the worker maps it before its sandbox goes on
// (mmap of an fd it already holds is allowed under every deny profile
// anyway). One page per worker life: calls are numbered from 1 in the
// order the events were sent. Before call n the worker stores entered = n;
// after it, the result into slot n % slots and then left = n, both words
// with release order, so that a host that loads left with acquire order
// sees every slot up to it.
//
// The worker runs plugin code, which may write anywhere in its memory:
// the host maps the page read-only, copies a slot out before it looks at
// it, and checks what it read (the slot's call number, the message size;
// the caller checks the event id and the outcome against what it sent).
//
// Thread-safety: one worker thread writes (enter/leave), one host thread
// reads (entered/left/result).
// Errors: create() throws Error(kIo); attach() returns null and says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "worker/protocol.h"

namespace eventhost::worker {

// The worker's fd for the page (its socket is fd 3).
constexpr int kProgressFd = 4;

class CallProgress {
 public:
  // The longest message a slot keeps: a longer one is cut there (the
  // result frame, when it gets sent, still carries it whole).
  static constexpr std::size_t kMessageMax = 1024;

  // Host: a new zeroed page with room for `slots` calls in flight, mapped
  // read-only here; fd() is what to hand to the worker.
  static std::unique_ptr<CallProgress> create(std::uint32_t slots);
  // Worker: maps the page the host made from `fd` (closed here, the
  // mapping stays). Null with *why set if it is not the size `slots` needs.
  static std::unique_ptr<CallProgress> attach(int fd, std::uint32_t slots,
                                              std::string* why);
  ~CallProgress();
  CallProgress(const CallProgress&) = delete;
  CallProgress& operator=(const CallProgress&) = delete;

  int fd() const { return fd_; }  // -1 in the worker
  // Host: closes fd() once the worker holds its own copy (the mapping
  // stays).
  void close_fd();
  std::uint32_t slots() const { return slots_; }

  // Worker side: call `seq` begins; call `seq` ended with `result`.
  void enter(std::uint64_t seq);
  void leave(std::uint64_t seq, const WireResult& result);

  // Host side: the last call begun, the last call ended.
  std::uint64_t entered() const;
  std::uint64_t left() const;
  // The result of call `seq` (<= left()) if its slot holds that call;
  // `*cut` says its message was longer than kMessageMax.
  bool result(std::uint64_t seq, WireResult* out, bool* cut) const;

  // The bytes a page for `slots` calls takes.
  static std::size_t size_for(std::uint32_t slots);

 private:
  CallProgress(void* base, std::size_t size, std::uint32_t slots, int fd)
      : base_(base), size_(size), slots_(slots), fd_(fd) {}

  void* base_;
  std::size_t size_;
  std::uint32_t slots_;
  int fd_;
};

}  // namespace eventhost::worker
