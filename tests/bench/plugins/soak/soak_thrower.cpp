// soak_thrower -- the soak's faulty thread-tier plugin: every 100th
// channel.updated it handles throws std::runtime_error (plugin.hpp turns it
// into EH_ERR_EXCEPTION), the others succeed. One failure in a hundred is
// never 5 in a row, so the breaker stays closed and the host's retries,
// exception counting and dead letters run all along the soak.
#include <atomic>
#include <eventhost/plugin.hpp>
#include <stdexcept>
#include <string>

namespace {
std::atomic<long> calls{0};
}

EH_ON(channel_updated)(const eventhost::Event& ev, eventhost::Context&) {
  if (++calls % 100 == 0) {
    throw std::runtime_error("soak_thrower: the 100th call, event " +
                             std::to_string(ev.id()));
  }
}
