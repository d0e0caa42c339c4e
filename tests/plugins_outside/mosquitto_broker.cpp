#include "mosquitto_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace eventhost::test {
namespace fs = std::filesystem;
namespace {

constexpr auto kStartLimit = std::chrono::seconds(10);

fs::path find_broker() {
  for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto",
                                "/usr/local/sbin/mosquitto"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  throw std::runtime_error(
      "the MQTT tests need Debian's mosquitto broker, which is not installed "
      "(/usr/sbin/mosquitto): apt-get install mosquitto (.ci/setup installs "
      "it)");
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

MosquittoBroker::MosquittoBroker(const fs::path& dir)
    : dir_(dir), binary_(find_broker()), port_(free_loopback_port()) {
  std::ofstream conf(dir_ / "mosquitto.conf");
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "persistence false\n"
       << "log_dest stderr\n"
       << "log_type error\nlog_type warning\nlog_type notice\n";
  conf.close();
  start();
}

MosquittoBroker::~MosquittoBroker() { stop(); }

std::string MosquittoBroker::log() const {
  std::ifstream in(dir_ / "mosquitto.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void MosquittoBroker::start() {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const std::string log_file = (dir_ / "mosquitto.log").string();
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const std::string binary = binary_.string();
  const std::string conf = (dir_ / "mosquitto.conf").string();
  std::vector<char*> argv{const_cast<char*>(binary.c_str()),
                          const_cast<char*>("-c"),
                          const_cast<char*>(conf.c_str()), nullptr};
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary + ": " +
                             std::strerror(rc));
  }
  const auto deadline = std::chrono::steady_clock::now() + kStartLimit;
  while (!accepts_connections(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("mosquitto exited at start; its log:\n" + log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("mosquitto did not listen on port " +
                               std::to_string(port_) + " within 10 s; log:\n" +
                               log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void MosquittoBroker::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

MqttSubscriber::MqttSubscriber(int port, const std::string& filter, int qos) {
  mosquitto_lib_init();
  mosq_ = mosquitto_new(nullptr, true, this);
  if (mosq_ == nullptr) throw std::runtime_error("mosquitto_new failed");
  mosquitto_message_callback_set(mosq_, &MqttSubscriber::on_message);
  mosquitto_subscribe_callback_set(mosq_, &MqttSubscriber::on_subscribe);
  int rc = mosquitto_connect(mosq_, "127.0.0.1", port, 30);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(mosq_);
  if (rc == MOSQ_ERR_SUCCESS) {
    rc = mosquitto_subscribe(mosq_, nullptr, filter.c_str(), qos);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    throw std::runtime_error("the test's MQTT subscriber failed: " +
                             std::string(mosquitto_strerror(rc)));
  }
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, std::chrono::seconds(10),
                         [this] { return subscribed_; })) {
    throw std::runtime_error("the broker did not confirm the subscription");
  }
}

MqttSubscriber::~MqttSubscriber() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
  mosquitto_lib_cleanup();
}

void MqttSubscriber::on_message(struct mosquitto*, void* self,
                                const struct mosquitto_message* m) {
  auto* s = static_cast<MqttSubscriber*>(self);
  {
    std::lock_guard lock(s->mutex_);
    s->messages_.push_back(
        {m->topic,
         std::string(static_cast<const char*>(m->payload),
                     static_cast<std::size_t>(m->payloadlen)),
         m->qos, m->retain});
  }
  s->changed_.notify_all();
}

void MqttSubscriber::on_subscribe(struct mosquitto*, void* self, int, int,
                                  const int*) {
  auto* s = static_cast<MqttSubscriber*>(self);
  {
    std::lock_guard lock(s->mutex_);
    s->subscribed_ = true;
  }
  s->changed_.notify_all();
}

std::vector<MqttMessage> MqttSubscriber::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

bool MqttSubscriber::wait_for(std::size_t n,
                              std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] { return messages_.size() >= n; });
}

}  // namespace eventhost::test
