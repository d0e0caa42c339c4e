#include "core/host_gate.h"

#include <spdlog/spdlog.h>

#include <mutex>

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
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  ++passing_;
  return true;
}

void HostGate::leave() {
  std::lock_guard lock(mutex_);
  if (--passing_ == 0) left_.notify_all();
}

void HostGate::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  left_.wait(lock, [this] { return passing_ == 0; });
}

bool HostGate::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
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
