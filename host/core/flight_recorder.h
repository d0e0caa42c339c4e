// FlightRecorder -- remembers, across a crash, which plugin the host was
// running code of, so the next start can name it and suggest safe mode.
//
// The record is a small file next to the state file (`<state>.flight`),
// mapped shared into memory: a header with a "clean" marker and one
// fixed-size slot per thread in a plugin call (state, plugin key, event or
// lifecycle function, event id, time). Entering a call fills a slot and
// leaving marks it idle: plain memory writes into the mapping, which the
// kernel keeps in the file even if the process is killed. mark_clean() (a
// clean stop) sets every slot idle and the marker; a file found at start
// with the marker unset and a slot busy tells which plugin was running
// when the process died.
//
// Thread-safety: enter() and leave() from any thread at once (a slot is
// claimed with an atomic flag); construction, mark_clean() and the static
// readers belong to the controlling thread.
// Errors: the constructor throws Error(kIo) if the file cannot be created
// or mapped; read_report() treats a missing, short or foreign file as no
// report. A power cut may lose the record; a process crash does not.
// POSIX only: on other systems the constructor throws kIo and the host
// runs without a recorder.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/call_recorder.h"

namespace eventhost {

// One plugin call a previous process was in when it died.
struct UnfinishedCall {
  CallKind kind = CallKind::kIdle;
  std::string plugin;
  std::string what;            // the event's name, or the lifecycle function
  std::uint64_t event_id = 0;  // for kCalling
  std::uint32_t attempt = 0;   // which delivery of the event it was
  // The fatal signal (SIGSEGV, SIGABRT, ...) raised on the thread while it
  // ran this call, or 0: the process was then killed from outside (kill
  // -9, the OOM killer) or died in a way no handler sees.
  int signal = 0;
};

// "SIGSEGV" for SIGSEGV, ..., "signal N" for one without a short name here.
std::string signal_name(int signal);

class FlightRecorder final : public CallRecorder {
 public:
  static constexpr std::size_t kSlots = 64;
  static constexpr std::size_t kSlotSize = 128;

  // `<state_path>.flight`.
  static std::filesystem::path path_for(
      const std::filesystem::path& state_path);

  // The calls a previous process left in `file` if it did not stop
  // cleanly; empty if it did, or if the file is missing, short or foreign.
  static std::vector<UnfinishedCall> read_unfinished(
      const std::filesystem::path& file);

  // One line naming the plugin(s) of `calls` and suggesting --safe-mode;
  // nullopt if `calls` is empty.
  static std::optional<std::string> report(
      const std::vector<UnfinishedCall>& calls);

  // report(read_unfinished(file)).
  static std::optional<std::string> read_report(
      const std::filesystem::path& file);

  // Creates or reuses `file`, maps it and starts a new record: every slot
  // idle, the clean marker unset.
  explicit FlightRecorder(const std::filesystem::path& file);
  ~FlightRecorder() override;  // unmaps; leaves the record as it is
  FlightRecorder(const FlightRecorder&) = delete;
  FlightRecorder& operator=(const FlightRecorder&) = delete;

  // Marks the call this thread is in (if any) as the one that raised
  // `signal`. Async-signal-safe: one store into the mapped record. Called
  // by the fatal-signal handler (core/fatal_signals.h).
  static void note_fatal_signal(int signal) noexcept;

  std::size_t enter(CallKind kind, std::string_view plugin,
                    std::string_view what, std::uint64_t event_id,
                    std::uint32_t attempt) noexcept override;
  void leave(std::size_t slot) noexcept override;

  // Records a clean stop: every slot idle, the marker set.
  void mark_clean() noexcept;

 private:
  unsigned char* map_ = nullptr;
  std::array<std::atomic<bool>, kSlots> claimed_{};
};

}  // namespace eventhost
