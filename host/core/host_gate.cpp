#include "core/host_gate.h"

#include <spdlog/spdlog.h>


namespace eventhost {
namespace {

spdlog::level::level_enum to_spdlog(std::uint32_t severity) {
  switch (severity) {
    case EH_LOG_DEBUG:
      return spdlog::level::debug;
    case EH_LOG_WARN:
      return spdlog::level::warn;
    case EH_LOG_ERROR:
      return spdlog::level::err;
    default:
      return spdlog::level::info;
  }
}

}  // namespace

bool HostGate::enter() {
  if ((state_.fetch_add(1, std::memory_order_acquire) & kClosed) == 0) {
    return true;
  }
  leave();  // closed: undo the count, which close() may be waiting on
  return false;
}

void HostGate::leave() {
  if (state_.fetch_sub(1, std::memory_order_acq_rel) - 1 == kClosed) {
    state_.notify_all();  // the last call inside a closed gate has left
  }
}

void HostGate::close() {
  std::uint64_t state = state_.fetch_or(kClosed, std::memory_order_acq_rel);
  state |= kClosed;
  while (state != kClosed) {
    state_.wait(state, std::memory_order_acquire);
    state = state_.load(std::memory_order_acquire);
  }
}

bool HostGate::closed() const {
  return (state_.load(std::memory_order_acquire) & kClosed) != 0;
}

void HostGate::plugin_log(const std::string& key, std::uint32_t severity,
                          std::string_view message) {
  spdlog::log(to_spdlog(severity), "[{}] {}", key, message);
}

std::int32_t HostGate::plugin_emit(const EmitSource& source,
                                   std::string_view event,
                                   std::string_view payload) {
  std::int32_t code = EH_ERR_REFUSED;
  if (!pass([&] { code = emit_(source, event, payload); })) {
    spdlog::warn("plugin {} emitted {} after the host stopped; refused",
                 source.key, event);
  }
  return code;
}

}  // namespace eventhost
