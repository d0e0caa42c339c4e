// eventhost/testing.hpp -- load a built plugin in a unit test, through the
// real host loader, and drive it without a host daemon.
//
//   #include <eventhost/testing.hpp>
//
//   eventhost::testing::Plugin plugin(PLUGIN_FILE);   // load, init, configure
//   plugin.set("prefix", "\"hi\"");                    // a setting, as JSON
//   auto call = plugin.feed("channel.created", R"({"channel_name":"News"})");
//   assert(call.ok());
//   assert(plugin.logged("hi"));                       // what it logged
//   assert(plugin.emitted().empty());                  // what it emitted
//
// Design
//   This header holds only declarations and uses nothing but the standard
//   library and plugin.h, so a test includes no Boost, spdlog or host
//   header. The implementation (host/testing/plugin_harness.cpp) is
//   compiled into the shared library libeventhost_testing, installed with
//   the SDK and imported as the CMake target eventhost::testing (pkg-config:
//   eventhost-testing). That library contains the host's own loader
//   (reading the file as data, the manifest and ABI checks, dlopen) and the
//   host's eh_host_api table and per-call runner (exception barrier, time
//   budget, set_error capture), so a plugin is tested exactly as it will
//   run: a file the host would refuse is refused here with the same
//   message, and a handler is found by the same routing rules (on_<event>,
//   else eh_on_any_event if the manifest subscribes to it).
//
//   Differences from a running host, on purpose: calls run on the caller's
//   thread, one at a time and in order; events a plugin emits are recorded,
//   not delivered; nothing is persisted; the event level filter is off.
//
// Thread-safety: a Plugin is used by one thread. A plugin that logs or
// emits from a thread of its own is recorded safely, but read logs() and
// emitted() only when it is quiet. Two Plugin objects of the same file
// share the library and its statics (dlopen loads a file once), as two
// hosts in one process would.
// Errors: the constructor throws std::runtime_error saying why the file
// cannot be loaded (as `eventhost plugins validate` would, e.g. a file
// writable by group or others) or why init or configure failed, and
// std::invalid_argument for a setting the manifest does not declare or a
// value of the wrong type. feed() throws std::invalid_argument for an
// unknown event (naming the nearest; only catalogue events and the
// plugin's own declared ones are known), a payload that is not a JSON
// object or one with a field of the wrong type for the catalogue (the
// host's default, strict check); set() and action() for an undeclared
// setting or action or a
// value of the wrong type. A failing plugin call is not an exception: it
// is reported in the Call result.
//
// Not covered yet: redelivery (every event is fed with attempt 1) and the
// time budget's effect on a running call (a slow call is only reported as
// "timeout" once it returns, as in the host).
#ifndef EVENTHOST_TESTING_HPP
#define EVENTHOST_TESTING_HPP

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugin.h"

namespace eventhost::testing {

// One line the plugin logged through the host.
struct LogLine {
  std::uint32_t severity = EH_LOG_INFO;  // EH_LOG_*
  std::string message;
};

// One event the plugin emitted (accepted by the host rules: a known or
// declared event with a JSON object payload).
struct Emitted {
  std::string event;
  std::string payload;  // JSON object text as the plugin passed it
};

// What one call into the plugin did.
struct Call {
  bool called = false;    // false: the plugin does not handle that event
  std::int32_t code = 0;  // the return code, EH_OK on success
  // "ok", "error", "exception", "timeout", or "not handled".
  std::string outcome = "not handled";
  std::string error;   // set_error text or the exception's message
  std::string result;  // set_result text (actions)
  std::string symbol;  // the function called, e.g. "on_channel_created"

  bool ok() const { return called && code == EH_OK && outcome == "ok"; }
};

// Optional details of a fed event; zero means "choose for me".
struct EventOptions {
  std::uint64_t id = 0;            // 0: the next id (1, 2, 3, ...)
  std::int64_t emitted_at_us = 0;  // 0: now
};

class Plugin {
 public:
  // Loads the plugin file at `path` with the host loader, then calls
  // eh_plugin_init and eh_plugin_configure with the manifest's defaults
  // overridden by `settings` (id -> JSON text, e.g. {"limit", "3"}).
  explicit Plugin(const std::string& path,
                  const std::map<std::string, std::string>& settings = {});
  // Calls eh_plugin_shutdown, then unloads the library.
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  // The manifest's key.
  const std::string& key() const;

  // Changes one setting (`json_value` is JSON text: `true`, `30`, `"a b"`)
  // and calls eh_plugin_configure, as `eventhost plugins configure` does.
  // Returns that call's outcome (called = false if the plugin has no
  // configure hook).
  Call set(const std::string& id, const std::string& json_value);

  // Delivers one event as the host would: the payload is checked like an
  // emitted one, then the event goes to its on_<...> handler or to
  // eh_on_any_event.
  Call feed(const std::string& event, const std::string& payload_json = "{}",
            EventOptions options = {});

  // Runs a manifest action (eh_plugin_action).
  Call action(const std::string& id, const std::string& params_json = "{}");

  // True if feed(event) would call the plugin.
  bool handles(const std::string& event) const;

  // Everything the plugin logged and emitted since load (or clear()).
  const std::vector<LogLine>& logs() const;
  const std::vector<Emitted>& emitted() const;
  // True if some log line contains `text`.
  bool logged(const std::string& text) const;
  void clear();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace eventhost::testing

#endif  // EVENTHOST_TESTING_HPP
