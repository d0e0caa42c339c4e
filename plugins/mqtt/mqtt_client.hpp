// MqttClient -- one connection to an MQTT broker through libmosquitto,
// kept up by a network thread of its own that reconnects with back-off.
//
// The thread connects, runs mosquitto_loop() (which also sends the
// keep-alive pings), and when the connection fails or drops it waits
// 0.5 s, 1 s, 2 s, ... up to 30 s between attempts, back to 0.5 s after a
// connection the broker accepted. A connection the broker has not
// accepted (CONNACK) within 10 s is abandoned and tried again, so a
// broker that swallows packets does not hold the client forever.
//
// publish() waits for the connection and, at QoS 1 or 2, for the broker's
// acknowledgement (PUBACK, or PUBCOMP at QoS 2), each bounded by the
// caller's timeout, and throws if either does not come: the caller's
// delivery fails and the host retries it. A message that timed out may
// still reach the broker later (libmosquitto resends unacknowledged
// messages after a reconnect), so a retried event can arrive twice; QoS 0
// is fire and forget: published once handed to the connection.
//
// Thread-safety: publish() may be called from one thread at a time (the
// plugin's calls are serialized); the network thread runs alongside it
// (mosquitto_threaded_set). The destructor stops and joins the thread,
// after a clean DISCONNECT if connected. `log` is called from the network
// thread. Errors: the constructor throws std::runtime_error if libmosquitto
// cannot make a client; publish() throws std::runtime_error saying why.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

struct mosquitto;

namespace mqtt {

struct BrokerOptions {
  std::string host = "localhost";
  int port = 1883;
  std::string client_id;  // "" = a random id from libmosquitto
  std::string username;   // "" = none
  std::string password;
  int keepalive_s = 60;

  bool operator==(const BrokerOptions&) const = default;
  std::string address() const { return host + ":" + std::to_string(port); }
};

enum class LogLevel { kInfo, kWarn };

class MqttClient {
 public:
  using Log = std::function<void(LogLevel, const std::string&)>;

  MqttClient(BrokerOptions options, Log log);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  const BrokerOptions& options() const { return options_; }

  void publish(const std::string& topic, const std::string& payload, int qos,
               bool retain, std::chrono::milliseconds timeout);

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  // Waits out the back-off (or until stopped), then doubles it.
  void back_off(const std::string& why);
  std::string describe(int rc) const;

  static void on_connect(struct mosquitto*, void* self, int rc);
  static void on_disconnect(struct mosquitto*, void* self, int rc);
  static void on_publish(struct mosquitto*, void* self, int mid);

  const BrokerOptions options_;
  const Log log_;
  struct mosquitto* mosq_ = nullptr;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  bool connected_ = false;
  std::string last_error_;
  std::chrono::milliseconds backoff_;
  std::deque<int> acked_;  // message ids the broker acknowledged, newest last

  std::thread thread_;
};

}  // namespace mqtt
