// Host: its part in a cluster (DESIGN.md "A cluster"). As a DeliveryPort
// (core/event_log.h) it tells a cluster's event log which plugins run on
// this node and takes the deliveries the log reads from the stream for
// them; their outcomes come back through settle() (host_durability.cpp).
#include "core/host.h"

namespace eventhost {

std::vector<DeliveryPort::Consumer> Host::consumers() {
  std::vector<Consumer> out;
  if (!dispatcher_) return out;
  std::map<std::string, ClusterMode> modes;
  {
    std::lock_guard lock(files_mutex_);
    for (const PluginFile& f : files_) {
      if (f.manifest) modes[f.manifest->key] = f.manifest->cluster;
    }
  }
  for (const auto& runner : dispatcher_->runners()) {
    if (runner->tripped()) continue;
    out.push_back(
        {runner->key(), modes[runner->key()], runner->config().queue_capacity});
  }
  return out;
}

DeliveryPort::Delivery Host::deliver(const std::string& key,
                                     const EventPtr& event,
                                     std::uint32_t attempt) {
  const auto runner = dispatcher_ ? dispatcher_->find(key) : nullptr;
  if (!runner || runner->tripped()) return Delivery::kNotRunning;
  if (!runner->target(event->name)) return Delivery::kNotTaken;
  return dispatcher_->deliver_to(key, event, attempt,
                                 Dispatcher::Overflow::kWait)
             ? Delivery::kQueued
             : Delivery::kNotRunning;
}

}  // namespace eventhost
