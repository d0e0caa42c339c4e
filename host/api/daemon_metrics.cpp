#include "api/daemon_metrics.h"

#include "api/process_memory.h"
#include "core/host.h"
#include "state/sqlite_handle.h"
#include "stream/event_stream.h"

namespace eventhost {

void DaemonMetrics::watch(const Host& host, const EventStream& stream) {
  registry_.gauge_callback(
      "eventhost_queue_depth", "Deliveries waiting in each plugin's queue.",
      [&host] {
        std::vector<Sample> samples;
        for (const auto& [key, stats] : host.runner_stats()) {
          samples.push_back(
              {{{"plugin", key}}, static_cast<double>(stats.queue_depth)});
        }
        return samples;
      });
  registry_.gauge_callback(
      "eventhost_plugin_breaker_open",
      "1 if the plugin's circuit breaker tripped and disabled it.", [&host] {
        std::vector<Sample> samples;
        for (const auto& [key, stats] : host.runner_stats()) {
          samples.push_back({{{"plugin", key}}, stats.tripped ? 1.0 : 0.0});
        }
        return samples;
      });
  registry_.gauge_callback(
      "eventhost_sse_clients", "Clients connected to the live event stream.",
      [&stream] {
        return std::vector<Sample>{
            {{}, static_cast<double>(stream.active_clients())}};
      });
  // What SQLite holds (page caches of the state and journal connections,
  // statements): the part of the daemon's memory that grows with the
  // journal until the caches are full, told apart from the rest.
  registry_.gauge_callback(
      "eventhost_sqlite_memory_bytes",
      "Memory SQLite has allocated in this process (page caches included).",
      [] {
        return std::vector<Sample>{
            {{}, static_cast<double>(sql::memory_used())}};
      });
  registry_.gauge_callback(
      "eventhost_process_memory_bytes",
      "This process's memory: resident (in RAM), heap_in_use (live C heap "
      "allocations), heap_free (free inside malloc's arenas, kept from the "
      "system).",
      [] {
        const ProcessMemory m = ProcessMemory::read();
        std::vector<Sample> samples{
            {{{"kind", "resident"}}, static_cast<double>(m.resident)}};
        // Under a sanitizer's malloc there is no heap figure to show.
        if (kHeapFiguresKnown) {
          samples.push_back(
              {{{"kind", "heap_in_use"}}, static_cast<double>(m.heap_in_use)});
          samples.push_back(
              {{{"kind", "heap_free"}}, static_cast<double>(m.heap_free)});
        }
        return samples;
      });
}

void DaemonMetrics::on_emitted(const Event& event) {
  Counter* counter = nullptr;
  {
    std::lock_guard lock(cache_mutex_);
    auto it = emitted_.find(event.name);
    if (it == emitted_.end()) {
      it = emitted_
               .emplace(event.name,
                        &registry_.counter("eventhost_events_emitted_total",
                                           "Events accepted, by name.",
                                           {{"event", event.name}}))
               .first;
    }
    counter = it->second;
  }
  counter->inc();
}

void DaemonMetrics::on_suppressed(const std::string& event, LevelSet level) {
  Counter* counter = nullptr;
  {
    std::lock_guard lock(cache_mutex_);
    auto it = suppressed_.find(event);
    if (it == suppressed_.end()) {
      it = suppressed_
               .emplace(event,
                        &registry_.counter(
                            "eventhost_events_suppressed_total",
                            "Events suppressed by the event level, by name.",
                            {{"event", event}, {"level", to_string(level)}}))
               .first;
    }
    counter = it->second;
  }
  counter->inc();
}

void DaemonMetrics::on_emit_refused(const std::string& plugin,
                                    const char* reason) {
  Counter* counter = nullptr;
  {
    std::lock_guard lock(cache_mutex_);
    auto key = std::make_pair(plugin, std::string(reason));
    auto it = emits_refused_.find(key);
    if (it == emits_refused_.end()) {
      Counter& c = registry_.counter(
          "eventhost_emits_refused_total",
          "Events plugins tried to emit and the host refused: past the depth "
          "limit (depth) or past the plugin's max_emits_per_second (rate).",
          {{"plugin", plugin}, {"reason", reason}});
      it = emits_refused_.emplace(std::move(key), &c).first;
    }
    counter = it->second;
  }
  counter->inc();
}

void DaemonMetrics::on_type_mismatch(const std::string& event,
                                     const std::string& field) {
  Counter* counter = nullptr;
  {
    std::lock_guard lock(cache_mutex_);
    auto key = std::make_pair(event, field);
    auto it = type_mismatches_.find(key);
    if (it == type_mismatches_.end()) {
      Counter& c = registry_.counter(
          "eventhost_payload_type_mismatches_total",
          "Payload fields of another type than the catalogue declares, "
          "accepted because --payload-check is lenient, by event and field.",
          {{"event", event}, {"field", field}});
      it = type_mismatches_.emplace(std::move(key), &c).first;
    }
    counter = it->second;
  }
  counter->inc();
}

void DaemonMetrics::on_delivery(const DeliveryResult& r) {
  Counter* counter = nullptr;
  Histogram* duration = nullptr;
  {
    std::lock_guard lock(cache_mutex_);
    auto key = std::make_tuple(r.plugin_key, r.event_name, r.outcome);
    auto it = deliveries_.find(key);
    if (it == deliveries_.end()) {
      Counter& c = registry_.counter(
          "eventhost_deliveries_total",
          "Deliveries of events to plugins, by plugin, event and outcome.",
          {{"plugin", r.plugin_key},
           {"event", r.event_name},
           {"outcome", to_string(r.outcome)}});
      it = deliveries_.emplace(std::move(key), &c).first;
    }
    counter = it->second;
    auto d = durations_.find(r.plugin_key);
    if (d == durations_.end()) {
      Histogram& h = registry_.histogram(
          "eventhost_handler_duration_seconds",
          "Time plugins spent in event handlers.", {{"plugin", r.plugin_key}});
      d = durations_.emplace(r.plugin_key, &h).first;
    }
    duration = d->second;
  }
  counter->inc();
  if (r.outcome != Outcome::kDropped) {
    duration->observe(std::chrono::duration<double>(r.duration).count());
  }
}

}  // namespace eventhost
