// Helpers shared by the daemon's end-to-end tests: JSON of a reply,
// sample events, a recorder set up in a sandbox, a live-stream reader
// (curl -N into a file) and the figures read back from the daemon.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "daemon_process.h"

extern char** environ;

namespace eventhost::test {

using nlohmann::json;
using namespace std::chrono_literals;

inline json parse(const HttpReply& reply) {
  INFO("status " << reply.status << " body: " << reply.body);
  const json j = json::parse(reply.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

inline long count_lines_with(const std::string& text,
                             const std::string& needle) {
  long n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) ++n;
  }
  return n;
}

inline std::string channel_event(int channel_id) {
  return json{{"event", "channel.created"},
              {"data", {{"channel_id", channel_id}}}}
      .dump();
}

// Starts a daemon on a sandbox with the recorder installed.
struct RecorderWorld {
  CliSandbox sandbox;
  fs::path record;
  RecorderWorld() {
    sandbox.add_plugin("recorder.so");
    record = sandbox.enable_recorder();
  }
};

// curl -sN reading a live stream into a file until killed or --max-time.
class StreamReader {
 public:
  StreamReader(const CliSandbox& sandbox, const std::string& url,
               const std::vector<std::string>& extra = {}, int max_s = 15) {
    static int n = 0;
    file_ = sandbox.root() / ("stream." + std::to_string(++n));
    std::vector<std::string> argv_text = {"/usr/bin/curl", "-sN", "--max-time",
                                          std::to_string(max_s)};
    argv_text.insert(argv_text.end(), extra.begin(), extra.end());
    argv_text.push_back(url);
    std::vector<char*> argv;
    for (std::string& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, file_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~StreamReader() { finish(); }
  std::string text() const { return read_text(file_); }
  bool wait_for(const std::string& needle,
                std::chrono::milliseconds timeout = 10s) const {
    return wait_until([&] { return text().find(needle) != std::string::npos; },
                      timeout);
  }
  void finish() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  fs::path file_;
  pid_t pid_ = -1;
};

inline long active_clients(const DaemonProcess& d) {
  const HttpReply r = d.get("/api/events/stats");
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return -1;
  return j.value("active_clients", -1L);
}

// The ids of the stream's `event: NAME` messages, in order.
inline std::vector<long> stream_ids(const std::string& text,
                                    const std::string& name) {
  std::vector<long> ids;
  const std::regex message("id: (\\d+)\nevent: ([^\n]+)\n");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), message);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[2] == name) ids.push_back(std::stol((*it)[1]));
  }
  return ids;
}

}  // namespace eventhost::test
