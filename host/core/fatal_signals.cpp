#include "core/fatal_signals.h"

#include <spdlog/spdlog.h>

#include <array>
#include <csignal>
#include <cstring>
#include <mutex>

#include "core/flight_recorder.h"

namespace eventhost {
namespace {

constexpr std::array<int, 6> kFatal = {SIGSEGV, SIGBUS,  SIGILL,
                                       SIGFPE,  SIGABRT, SIGSYS};

std::mutex g_mutex;
int g_watches = 0;  // GUARDED_BY(g_mutex)
// The dispositions before the first watch; read by the handler, written
// only while no handler of ours is installed for that signal.
struct sigaction g_previous[kFatal.size()];

std::size_t index_of(int signal) {
  for (std::size_t i = 0; i < kFatal.size(); ++i) {
    if (kFatal[i] == signal) return i;
  }
  return kFatal.size();
}

// Async-signal-safe throughout: a store into the record, sigaction, raise.
void on_fatal_signal(int signal) {
  FlightRecorder::note_fatal_signal(signal);
  const std::size_t i = index_of(signal);
  if (i < kFatal.size()) ::sigaction(signal, &g_previous[i], nullptr);
  // Pending until this handler returns, then delivered with the previous
  // disposition; a hardware fault would also recur on return.
  ::raise(signal);
}

}  // namespace

FatalSignalWatch::FatalSignalWatch() {
  std::lock_guard lock(g_mutex);
  if (g_watches++ > 0) return;
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (std::size_t i = 0; i < kFatal.size(); ++i) {
    if (::sigaction(kFatal[i], &action, &g_previous[i]) != 0) {
      spdlog::warn("cannot watch signal {}: {}", kFatal[i],
                   std::strerror(errno));
    }
  }
}

FatalSignalWatch::~FatalSignalWatch() {
  std::lock_guard lock(g_mutex);
  if (--g_watches > 0) return;
  for (std::size_t i = 0; i < kFatal.size(); ++i) {
    ::sigaction(kFatal[i], &g_previous[i], nullptr);
  }
}

}  // namespace eventhost
