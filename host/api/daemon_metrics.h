// DaemonMetrics -- the figures GET /metrics shows, fed by the Host's hooks:
//   eventhost_events_emitted_total{event}            accepted events
//   eventhost_events_suppressed_total{event,level}   refused by the level
//   eventhost_deliveries_total{plugin,event,outcome} one per delivery
//   eventhost_emits_refused_total{plugin,reason}     plugin emits refused:
//                                                    depth or rate
//   eventhost_payload_type_mismatches_total{event,field}
//                                                    fields of the wrong
//                                                    type accepted under
//                                                    --payload-check lenient
//   eventhost_handler_duration_seconds{plugin}       histogram
//   eventhost_queue_depth{plugin}                    gauge, read at scrape
//   eventhost_plugin_breaker_open{plugin}            gauge, 1 = tripped
//   eventhost_sse_clients                            gauge
//   eventhost_sqlite_memory_bytes                    gauge, SQLite's heap
//   eventhost_process_memory_bytes{kind}             gauge: resident,
//                                                    heap_in_use, heap_free
//
// Thread-safety: on_emitted() and on_delivery() may be called from any
// thread (they run on the dispatch path: a map lookup under a short lock,
// then atomics); render() from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "dispatch/delivery.h"
#include "dispatch/event.h"
#include "metrics/metrics.h"

namespace eventhost {

class Host;
class EventStream;

class DaemonMetrics {
 public:
  DaemonMetrics() = default;
  DaemonMetrics(const DaemonMetrics&) = delete;
  DaemonMetrics& operator=(const DaemonMetrics&) = delete;

  // Declares the gauges read from `host` and `stream`, which must outlive
  // this object.
  void watch(const Host& host, const EventStream& stream);

  void on_emitted(const Event& event);
  void on_suppressed(const std::string& event, LevelSet level);
  void on_delivery(const DeliveryResult& result);
  void on_emit_refused(const std::string& plugin, const char* reason);
  void on_type_mismatch(const std::string& event, const std::string& field);

  std::string render() const { return registry_.render(); }

 private:
  MetricsRegistry registry_;
  std::mutex cache_mutex_;
  // Children already looked up, so the registry's lock and label vectors
  // are paid once per name. GUARDED_BY(cache_mutex_)
  std::map<std::string, Counter*, std::less<>> emitted_;
  std::map<std::string, Counter*, std::less<>> suppressed_;
  std::map<std::tuple<std::string, std::string, Outcome>, Counter*> deliveries_;
  std::map<std::string, Histogram*, std::less<>> durations_;
  std::map<std::pair<std::string, std::string>, Counter*> emits_refused_;
  std::map<std::pair<std::string, std::string>, Counter*> type_mismatches_;
};

}  // namespace eventhost
