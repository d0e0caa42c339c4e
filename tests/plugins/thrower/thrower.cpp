// Test plugin: every channel.created delivery throws. The message names the
// channel so a test can tell which delivery failed; plugin.hpp turns the
// throw into EH_ERR_EXCEPTION plus set_error(message).
#include <eventhost/plugin.hpp>
#include <stdexcept>
#include <string>

EH_ON(channel_created)(const eventhost::Event& ev, eventhost::Context&) {
  throw std::runtime_error(
      "boom: channel " + std::to_string(ev.get<std::int64_t>("channel_id", 0)));
}
