#include "mqtt_client.hpp"

#include <mosquitto.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mqtt {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{30000};
constexpr std::chrono::seconds kConnackTimeout{10};
constexpr int kLoopTimeoutMs = 100;  // how often the thread checks for stop
constexpr std::size_t kAckedKept = 256;

}  // namespace

MqttClient::MqttClient(BrokerOptions options, Log log)
    : options_(std::move(options)),
      log_(std::move(log)),
      backoff_(kFirstBackoff) {
  mosq_ = mosquitto_new(
      options_.client_id.empty() ? nullptr : options_.client_id.c_str(),
      /*clean_session=*/true, this);
  if (mosq_ == nullptr) {
    throw std::runtime_error(std::string("cannot create an MQTT client: ") +
                             std::strerror(errno));
  }
  mosquitto_threaded_set(mosq_, true);
  mosquitto_connect_callback_set(mosq_, &MqttClient::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttClient::on_disconnect);
  mosquitto_publish_callback_set(mosq_, &MqttClient::on_publish);
  if (!options_.username.empty()) {
    mosquitto_username_pw_set(
        mosq_, options_.username.c_str(),
        options_.password.empty() ? nullptr : options_.password.c_str());
  }
  thread_ = std::thread([this] { run(); });
}

MqttClient::~MqttClient() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
  mosquitto_destroy(mosq_);
}

std::string MqttClient::describe(int rc) const {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

void MqttClient::on_connect(struct mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  {
    std::lock_guard lock(c->mutex_);
    if (rc == 0) {
      c->connected_ = true;
      c->backoff_ = kFirstBackoff;
      c->last_error_.clear();
    } else {
      c->last_error_ = std::string("the broker refused the connection: ") +
                       mosquitto_connack_string(rc);
    }
  }
  c->changed_.notify_all();
  if (rc == 0) {
    c->log_(LogLevel::kInfo,
            "mqtt: connected to the broker at " + c->options_.address());
  } else {
    c->log_(LogLevel::kWarn, "mqtt: " + c->options_.address() + ": " +
                                 mosquitto_connack_string(rc));
  }
}

void MqttClient::on_disconnect(struct mosquitto*, void* self, int) {
  auto* c = static_cast<MqttClient*>(self);
  {
    std::lock_guard lock(c->mutex_);
    c->connected_ = false;
  }
  c->changed_.notify_all();
}

void MqttClient::on_publish(struct mosquitto*, void* self, int mid) {
  auto* c = static_cast<MqttClient*>(self);
  {
    std::lock_guard lock(c->mutex_);
    c->acked_.push_back(mid);
    if (c->acked_.size() > kAckedKept) c->acked_.pop_front();
  }
  c->changed_.notify_all();
}

void MqttClient::back_off(const std::string& why) {
  std::unique_lock lock(mutex_);
  connected_ = false;
  last_error_ = why;
  const auto wait = backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  lock.unlock();
  changed_.notify_all();
  log_(LogLevel::kWarn, "mqtt: " + options_.address() + ": " + why +
                            "; trying again in " +
                            std::to_string(wait.count()) + " ms");
  lock.lock();
  changed_.wait_for(lock, wait, [this] { return stop_; });
}

void MqttClient::run() {
  bool socket_open = false;
  Clock::time_point connect_started;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
    if (!socket_open) {
      // Also closes a socket left from an attempt that went nowhere.
      const int rc = mosquitto_connect_async(
          mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
      if (rc != MOSQ_ERR_SUCCESS) {
        back_off("cannot connect: " + describe(rc));
        continue;
      }
      socket_open = true;
      connect_started = Clock::now();
    }
    const int rc = mosquitto_loop(mosq_, kLoopTimeoutMs, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      socket_open = false;
      std::string why;
      {
        std::lock_guard lock(mutex_);
        why = last_error_;  // e.g. the CONNACK's refusal, said more clearly
      }
      back_off(why.empty() ? "connection lost: " + describe(rc) : why);
      continue;
    }
    bool waiting_for_connack;
    {
      std::lock_guard lock(mutex_);
      waiting_for_connack = !connected_;
    }
    if (waiting_for_connack &&
        Clock::now() - connect_started > kConnackTimeout) {
      socket_open = false;
      back_off("no answer to CONNECT within " +
               std::to_string(kConnackTimeout.count()) + " s");
    }
  }
  bool was_connected;
  {
    std::lock_guard lock(mutex_);
    was_connected = connected_;
  }
  if (was_connected) {
    // A clean DISCONNECT, so that the broker does not wait out the
    // keep-alive to notice the client is gone.
    mosquitto_disconnect(mosq_);
    mosquitto_loop(mosq_, kLoopTimeoutMs, 1);
  }
}

void MqttClient::publish(const std::string& topic, const std::string& payload,
                         int qos, bool retain,
                         std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  if (!changed_.wait_until(lock, deadline,
                           [this] { return connected_ || stop_; }) ||
      stop_) {
    throw std::runtime_error(
        "not connected to the broker at " + options_.address() +
        (last_error_.empty() ? "" : " (" + last_error_ + ")") + " after " +
        std::to_string(timeout.count()) + " ms; it keeps trying to connect");
  }
  lock.unlock();
  int mid = 0;
  const int rc = mosquitto_publish(mosq_, &mid, topic.c_str(),
                                   static_cast<int>(payload.size()),
                                   payload.data(), qos, retain);
  if (rc != MOSQ_ERR_SUCCESS) {
    throw std::runtime_error("publishing to " + topic + " on " +
                             options_.address() + " failed: " + describe(rc));
  }
  if (qos == 0) return;
  lock.lock();
  const bool acked = changed_.wait_until(lock, deadline, [&] {
    return std::find(acked_.begin(), acked_.end(), mid) != acked_.end();
  });
  if (!acked) {
    throw std::runtime_error("the broker at " + options_.address() +
                             " did not acknowledge the message to " + topic +
                             " (QoS " + std::to_string(qos) + ") within " +
                             std::to_string(timeout.count()) + " ms" +
                             (connected_ ? "" : ": the connection was lost"));
  }
  acked_.erase(std::find(acked_.begin(), acked_.end(), mid));
}

}  // namespace mqtt
