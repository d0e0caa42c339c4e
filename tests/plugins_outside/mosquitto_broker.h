// MosquittoBroker -- Debian's real `mosquitto` broker, started by a test on
// a free loopback port with a config file of its own (anonymous clients,
// no persistence), and stopped when the test ends. MqttSubscriber -- a
// libmosquitto client that records what it receives on a topic filter.
//
// A missing broker is a failure, never a skip: the constructor throws
// saying how to install it (CI installs it through .ci/setup).
//
// Thread-safety: MosquittoBroker is used by the test's thread.
// MqttSubscriber records on libmosquitto's network thread; its methods may
// be called from the test's thread meanwhile. Errors: std::runtime_error
// saying what failed, with the broker's log where it helps.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace eventhost::test {

class MosquittoBroker {
 public:
  // Writes its config and log in `dir`, picks a free port and starts.
  explicit MosquittoBroker(const std::filesystem::path& dir);
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  int port() const { return port_; }
  void stop();   // SIGTERM, and waits for it to exit
  void start();  // again, on the same port
  std::string log() const;

 private:
  std::filesystem::path dir_, binary_;
  int port_ = 0;
  pid_t pid_ = -1;
};

struct MqttMessage {
  std::string topic, payload;
  int qos = 0;
  bool retain = false;
};

class MqttSubscriber {
 public:
  // Connects to 127.0.0.1:port and subscribes to `filter` at `qos`;
  // returns once the broker has confirmed the subscription.
  MqttSubscriber(int port, const std::string& filter, int qos);
  ~MqttSubscriber();
  MqttSubscriber(const MqttSubscriber&) = delete;
  MqttSubscriber& operator=(const MqttSubscriber&) = delete;

  std::vector<MqttMessage> messages() const;
  bool wait_for(std::size_t n, std::chrono::milliseconds limit) const;

 private:
  static void on_message(struct mosquitto*, void*,
                         const struct mosquitto_message* message);
  static void on_subscribe(struct mosquitto*, void*, int, int, const int*);

  struct mosquitto* mosq_ = nullptr;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool subscribed_ = false;
  std::vector<MqttMessage> messages_;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

}  // namespace eventhost::test
