// HostGate -- the one way into a Host for threads the Host does not own:
// the dispatcher's threads reporting outcomes (and, behind them, a front
// end's observer), and a plugin calling the host services (eh_host_api:
// log, emit) from inside a call, in either tier.
//
// Why it exists: a plugin call still running when the host stops is left
// behind, not joined (it may never return), and the Host is usually a
// front end's local that is destroyed right after stop(). When that call
// returns or emits, it must not reach a dead Host. Host::stop() closes the
// gate before it lets go of anything such a call could touch: close()
// waits for every call inside the gate to leave, and from then on nothing
// enters. A late outcome is dropped, a late emit is refused
// (EH_ERR_REFUSED), and a late log line is still written (logging needs no
// Host).
//
// Lifetime: the gate must outlive whatever may still call it. The
// dispatcher's callbacks hold it by shared_ptr, and each eh_context (and a
// worker's supervisor) holds it as its PluginServices, so it lives as long
// as the dispatcher; a dispatcher left with a running call is kept until
// the process exits (common/keep_until_exit.h), and this gate with it.
//
// Thread-safety: pass() from any thread, also nested on one thread (a
// plugin's emit whose delivery is dropped reports that drop through the
// gate again). close() from the controlling thread, never inside pass().
// Errors: none of its own; pass() propagates what `f` throws.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "dispatch/plugin_context.h"

namespace eventhost {

class HostGate final : public PluginServices {
 public:
  using EmitFn = std::function<std::int32_t(
      const EmitSource&, std::string_view event, std::string_view payload)>;

  // `emit` serves plugin emits while the gate is open.
  explicit HostGate(EmitFn emit) : emit_(std::move(emit)) {}
  HostGate(const HostGate&) = delete;
  HostGate& operator=(const HostGate&) = delete;

  // Runs `f` unless the gate is closed; returns whether it ran. close()
  // waits until `f` has returned. No lock is held while `f` runs.
  template <class F>
  bool pass(F&& f) {
    if (inside_ == this) {  // nested: this thread is inside the gate already
      f();
      return true;
    }
    if (!enter()) return false;
    const Inside inside(this);
    f();
    return true;
  }

  // Waits for the calls inside the gate to leave and lets no more in. The
  // caller must hold no lock that such a call may take (the Host's hooks:
  // observer, on_emitted, ...).
  void close();
  bool closed() const;

  void plugin_log(const std::string& key, std::uint32_t severity,
                  std::string_view message) override;
  std::int32_t plugin_emit(const EmitSource& source, std::string_view event,
                           std::string_view payload) override;

 private:
  bool enter();
  void leave();

  // This thread is inside `gate` for the scope: marked (so gates of two
  // hosts may nest) and counted (so close() can wait for it).
  class Inside {
   public:
    explicit Inside(HostGate* gate) : gate_(gate), outer_(inside_) {
      inside_ = gate;
    }
    ~Inside() {
      inside_ = outer_;
      gate_->leave();
    }
    Inside(const Inside&) = delete;
    Inside& operator=(const Inside&) = delete;

   private:
    HostGate* const gate_;
    const HostGate* const outer_;
  };
  static inline thread_local const HostGate* inside_ = nullptr;

  // The closed flag and the count of calls inside, in one word: every
  // delivery passes the gate twice (queued, then its outcome), from the
  // producer and from a pool thread, so a mutex here was a lock shared by
  // both sides of every delivery. close() sleeps on the word (C++20
  // atomic wait) until the count is zero.
  static constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;
  const EmitFn emit_;
  std::atomic<std::uint64_t> state_{0};
};

}  // namespace eventhost
