// CallRecorder -- the hook through which the host notes which plugin it is
// about to run code of, so that a crash inside that code can be blamed on
// the plugin at the next start (see core/flight_recorder.h).
//
// dispatch/ knows only this interface; the core supplies the recorder.
// enter() and leave() sit on the hot delivery path: an implementation must
// be a few plain memory writes, never a system call or a lock.
//
// Thread-safety: enter() and leave() may be called from any thread at once.
// Errors: none; a recorder that cannot record (no free slot) records
// nothing and returns kNoSlot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace eventhost {

enum class CallKind : std::uint8_t {
  kIdle = 0,
  kLoading = 1,    // dlopen, eh_plugin_init, eh_plugin_configure at load
  kCalling = 2,    // an event handler
  kLifecycle = 3,  // configure, action or shutdown of a running plugin
};

class CallRecorder {
 public:
  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

  virtual ~CallRecorder() = default;
  // Notes that this thread now runs `plugin`'s code for `what` (an event
  // name or a lifecycle function), for the `attempt`-th delivery of event
  // `event_id` (0 and 1 outside handlers). Returns the slot to pass to
  // leave().
  virtual std::size_t enter(CallKind kind, std::string_view plugin,
                            std::string_view what, std::uint64_t event_id,
                            std::uint32_t attempt) noexcept = 0;
  virtual void leave(std::size_t slot) noexcept = 0;
};

// Records one call for the lifetime of the scope; a null recorder records
// nothing.
class RecordedCall {
 public:
  RecordedCall(CallRecorder* recorder, CallKind kind, std::string_view plugin,
               std::string_view what, std::uint64_t event_id = 0,
               std::uint32_t attempt = 1) noexcept
      : recorder_(recorder),
        slot_(recorder ? recorder->enter(kind, plugin, what, event_id, attempt)
                       : CallRecorder::kNoSlot) {}
  ~RecordedCall() {
    if (recorder_ != nullptr && slot_ != CallRecorder::kNoSlot)
      recorder_->leave(slot_);
  }
  RecordedCall(const RecordedCall&) = delete;
  RecordedCall& operator=(const RecordedCall&) = delete;

 private:
  CallRecorder* recorder_;
  std::size_t slot_;
};

}  // namespace eventhost
