// mqtt -- publishes each event that matches its `events` setting to an
// MQTT broker, on the topic <prefix>/<namespace>/<action> (channel.created
// -> eventhost/channel/created), with the event as the journal has it as
// the message (event_record.hpp), at the QoS and retain flag of its
// settings. The connection is kept by MqttClient's own thread, which
// reconnects with back-off; a delivery fails (and the host retries it)
// when the broker is not reachable or does not acknowledge in time.
//
// No mutex around the state: the manifest leaves "concurrency" at 1, so
// the host serializes every call into this plugin (handlers, configure,
// shutdown); MqttClient guards what its thread shares.
#include <mosquitto.h>

#include <chrono>
#include <eventhost/plugin.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "event_patterns.hpp"
#include "event_record.hpp"
#include "mqtt_client.hpp"

namespace {

using eventhost::Failure;

// The manifest's timeout_ms (35000) must stay above this, or the host
// would count a delivery that is still waiting for the broker as timed out.
constexpr long kMaxTimeoutMs = 30000;

struct Config {
  mqtt::BrokerOptions broker;
  std::string prefix;  // without a trailing '/'; may be empty
  int qos = 1;
  bool retain = false;
  std::chrono::milliseconds timeout{5000};
  eventhost_plugins::EventPatterns events;
};

struct State {
  std::optional<Config> config;
  std::unique_ptr<mqtt::MqttClient> client;
};

std::once_flag g_library;

[[noreturn]] void refuse(const std::string& setting, const std::string& why) {
  throw Failure(EH_ERR_INVALID_ARGUMENT, "mqtt: " + setting + ": " + why);
}

std::string text(const nlohmann::json& s, const char* id, const char* def) {
  const auto it = s.find(id);
  return it != s.end() && it->is_string() ? it->get<std::string>() : def;
}

long whole(const nlohmann::json& s, const char* id, long def, long min,
           long max) {
  const auto it = s.find(id);
  if (it == s.end() || it->is_null()) return def;
  const double v = it->is_number() ? it->get<double>() : min - 1.0;
  if (v < min || v > max || v != static_cast<double>(static_cast<long>(v))) {
    refuse(id, it->dump() + " is not a whole number from " +
                   std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<long>(v);
}

// <prefix>/<namespace>/<action>
std::string topic_of(const std::string& prefix, std::string_view event) {
  std::string topic = prefix.empty() ? "" : prefix + "/";
  const std::size_t dot = event.find('.');
  topic.append(event.substr(0, dot));
  if (dot != std::string_view::npos) {
    topic.append("/").append(event.substr(dot + 1));
  }
  return topic;
}

Config parse_config(const nlohmann::json& s) {
  Config c;
  c.broker.host = text(s, "host", "localhost");
  if (c.broker.host.empty() ||
      c.broker.host.find_first_of(" \t\r\n/") != std::string::npos) {
    refuse("host", "'" + c.broker.host +
                       "' is not a host name or address, e.g. "
                       "host=homeassistant.local or host=192.0.2.10");
  }
  c.broker.port = static_cast<int>(whole(s, "port", 1883, 1, 65535));
  c.broker.client_id = text(s, "client_id", "");
  c.broker.username = text(s, "username", "");
  c.broker.password = text(s, "password", "");
  if (c.broker.username.empty() && !c.broker.password.empty()) {
    refuse("password", "a password needs a username; set username= too");
  }
  c.broker.keepalive_s = static_cast<int>(whole(s, "keepalive", 60, 5, 65535));
  c.prefix = text(s, "prefix", "eventhost");
  while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();
  if (c.prefix.find_first_of("+#") != std::string::npos ||
      c.prefix.find('\0') != std::string::npos) {
    refuse("prefix", "'" + c.prefix +
                         "' has a wildcard (+ or #), which a topic to publish "
                         "to cannot have; e.g. prefix=eventhost");
  }
  const std::string sample = topic_of(c.prefix, "channel.created");
  if (mosquitto_pub_topic_check(sample.c_str()) != MOSQ_ERR_SUCCESS) {
    refuse("prefix",
           "'" + c.prefix + "' does not make a valid topic (" + sample + ")");
  }
  const std::string qos = text(s, "qos", "1");
  if (qos != "0" && qos != "1" && qos != "2") {
    refuse("qos", "'" + qos + "' is not 0, 1 or 2");
  }
  c.qos = qos[0] - '0';
  const auto retain = s.find("retain");
  c.retain = retain != s.end() && retain->is_boolean() && retain->get<bool>();
  c.timeout =
      std::chrono::milliseconds(whole(s, "timeout_ms", 5000, 1, kMaxTimeoutMs));
  c.events = eventhost_plugins::EventPatterns::parse(text(s, "events", "*"),
                                                     "mqtt: events");
  return c;
}

}  // namespace

EH_PLUGIN_INIT(eventhost::Context& ctx) {
  // mosquitto_lib_init is not thread-safe: once per loaded copy of the
  // plugin. Never undone: mosquitto_lib_cleanup would tear down state that
  // another user of libmosquitto in the process may still rely on.
  std::call_once(g_library, [] { mosquitto_lib_init(); });
  ctx.emplace_user_data<State>();
}

EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state == nullptr) return;
  Config config = parse_config(settings);
  // A new connection only when the broker or the credentials change: a
  // new prefix or QoS applies to the next event on the connection there is.
  if (!state->client || !(state->client->options() == config.broker)) {
    // The old client goes first: two clients with one client id would
    // keep pushing each other off the broker.
    state->client.reset();
    const eh_host_api* host = ctx.host();
    eh_context* raw = ctx.raw();
    state->client = std::make_unique<mqtt::MqttClient>(
        config.broker, [host, raw](mqtt::LogLevel level, const std::string& m) {
          // The host table and the context outlive the client: shutdown
          // destroys the client, which joins its thread, before returning.
          const eventhost::Context log(host, raw);
          if (level == mqtt::LogLevel::kWarn) {
            log.warn(m);
          } else {
            log.info(m);
          }
        });
  }
  state->config = std::move(config);
}

EH_ON_ANY_EVENT(const eventhost::Event& ev, eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state == nullptr || !state->config || !state->client) {
    throw Failure(EH_ERR_FAILED, "mqtt: not configured");
  }
  const Config& config = *state->config;
  if (!config.events.matches(ev.name())) return;
  const std::string topic = topic_of(config.prefix, ev.name());
  try {
    state->client->publish(topic, eventhost_plugins::event_record(ev),
                           config.qos, config.retain, config.timeout);
  } catch (const std::runtime_error& e) {
    throw Failure(EH_ERR_FAILED, "mqtt: " + std::string(ev.name()) + " #" +
                                     std::to_string(ev.id()) + ": " + e.what());
  }
}

EH_PLUGIN_SHUTDOWN(eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state != nullptr) state->client.reset();
  ctx.destroy_user_data<State>();
}
