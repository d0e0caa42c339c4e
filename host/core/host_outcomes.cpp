// Host: what becomes of each delivery's outcome (the at-least-once
// bookkeeping, the failure log, the observer), the circuit breaker's trip,
// and the counters saved to the state.
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "core/host.h"

namespace eventhost {

void Host::on_result(const DeliveryResult& r) {
  settle(r);
  if (r.outcome == Outcome::kOk) {
    spdlog::debug(
        "plugin {} handled {} #{} in {} us", r.plugin_key, r.event_name,
        r.event_id,
        std::chrono::duration_cast<std::chrono::microseconds>(r.duration)
            .count());
  } else {
    log_failure(r);
  }
  if (options_.observer) options_.observer(r);
}

void Host::log_failure(const DeliveryResult& r) {
  std::lock_guard lock(errors_mutex_);
  last_error_[r.plugin_key] = std::string(to_string(r.outcome)) + " on " +
                              r.event_name + " #" + std::to_string(r.event_id) +
                              ": " + r.message;
  const bool dropped = r.outcome == Outcome::kDropped;
  DropLog& log = drop_log_[{r.plugin_key, dropped ? "dropped" : "failed"}];
  const auto now = std::chrono::steady_clock::now();
  if (now - log.last < std::chrono::seconds(1)) {
    ++log.unlogged;
    return;
  }
  const std::string since =
      log.unlogged == 0
          ? ""
          : " (" + std::to_string(log.unlogged) + " more " +
                (dropped ? "dropped" : "failed") + " since the last report)";
  if (dropped) {
    spdlog::warn("plugin {} dropped {} #{}: {}{}", r.plugin_key, r.event_name,
                 r.event_id, r.message, since);
  } else {
    spdlog::warn("plugin {} failed on {} #{} ({}): {}{}", r.plugin_key,
                 r.event_name, r.event_id, to_string(r.outcome), r.message,
                 since);
  }
  log.last = now;
  log.unlogged = 0;
}

void Host::flush_drop_log() {
  std::lock_guard lock(errors_mutex_);
  for (auto& [which, log] : drop_log_) {
    if (log.unlogged == 0) continue;
    spdlog::warn("plugin {}: {} more deliveries {} since the last report",
                 which.first, log.unlogged, which.second);
    log.unlogged = 0;
  }
}

void Host::on_trip(PluginRunner& runner, const std::string& reason) {
  spdlog::error("plugin {} disabled by its circuit breaker: {}", runner.key(),
                reason);
  try {
    state_->set_disabled(runner.key(), reason);
  } catch (const Error& e) {
    spdlog::error("could not record that {} was disabled: {}", runner.key(),
                  e.what());
  }
  std::string name = runner.key();
  {
    std::lock_guard lock(files_mutex_);
    for (const PluginFile& f : files_) {
      if (f.manifest && f.manifest->key == runner.key())
        name = f.manifest->name;
    }
  }
  emit_host_event("plugin.disabled",
                  nlohmann::json{{"plugin_key", runner.key()},
                                 {"plugin_name", name},
                                 {"reason", reason}}
                      .dump());
}

void Host::save_counters(const PluginRunner& runner) {
  const RunnerStats s = runner.stats();
  PluginCounters delta;
  delta.delivered = s.delivered;
  delta.failed = s.failed;
  delta.exceptions = s.exceptions;
  delta.timeouts = s.timeouts;
  delta.dropped = s.dropped;
  delta.crashes = s.crashes;
  {
    std::lock_guard lock(errors_mutex_);
    auto it = last_error_.find(runner.key());
    if (it != last_error_.end()) delta.last_error = it->second;
  }
  try {
    state_->add_counters(runner.key(), delta);
  } catch (const Error& e) {
    spdlog::error("could not save counters of {}: {}", runner.key(), e.what());
  }
}

}  // namespace eventhost
