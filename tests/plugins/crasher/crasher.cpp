// Test plugin: channel.created kills the host process outright. SIGKILL,
// not abort(): nothing in the host can catch it or write anything after
// it, which is exactly the case the flight recorder is for.
#include <csignal>
#include <eventhost/plugin.hpp>

EH_ON(channel_created)(const eventhost::Event&, eventhost::Context&) {
  std::raise(SIGKILL);
}
