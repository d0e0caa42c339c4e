// RedisConnection -- one connection to a cluster's Redis, over hiredis
// (RESP2): commands, pipelines, and pub/sub messages. hiredis stays inside
// this file's .cpp: no other component includes it (a test checks).
//
// The connection opens on first use and after any failure: it connects,
// logs in (AUTH, with the user if the URL names one), selects the URL's
// database and names itself (CLIENT SETNAME). A failed connect is not
// tried again before a back-off has passed (100 ms, doubling to 5 s,
// reset by a success): until then calls fail at once, so a loop that
// retries never hammers a Redis that is down.
//
// Thread-safety: none; one thread uses a connection at a time (the
// cluster gives each of its threads its own).
// Errors: a connection that cannot be made, breaks or times out throws
// Error(kUnavailable) naming the URL (the password hidden) and the cause,
// and closes; a refused login throws the same kind saying so. An error
// *reply* (WRONGTYPE, NOGROUP, ...) is not thrown: it is a reply of type
// kError for the caller to read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/redis_url.h"

struct redisContext;

namespace eventhost::cluster {

// One RESP2 reply, copied out of hiredis's.
struct RedisReply {
  enum class Type : std::uint8_t {
    kNil,
    kString,
    kStatus,
    kError,
    kInteger,
    kArray
  };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;  // a string's bytes, a status's or an error's text
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  bool is_array() const { return type == Type::kArray; }
  // The integer of an integer reply, or a string reply's digits; 0 else.
  long long as_integer() const;
};

class RedisConnection {
 public:
  using Args = std::vector<std::string_view>;

  struct Options {
    std::chrono::milliseconds connect_timeout{2000};
    // How long a reply may take (past any BLOCK the command asks for).
    std::chrono::milliseconds io_timeout{5000};
    std::string client_name;  // CLIENT SETNAME; "" = none
    // Counts each connection made after the first, if set.
    std::atomic<std::uint64_t>* reconnects = nullptr;
  };

  RedisConnection(RedisEndpoint endpoint, Options options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  const RedisEndpoint& endpoint() const { return endpoint_; }

  // Sends one command and returns its reply.
  RedisReply command(const Args& args);
  // Sends every command at once, then reads their replies in order: one
  // round trip for all of them.
  std::vector<RedisReply> pipeline(const std::vector<Args>& commands);

  // Pub/sub: send() writes a command (SUBSCRIBE) without waiting for its
  // reply; receive() waits up to `timeout` for the next message or reply
  // and returns nullopt if none came.
  void send(const Args& args);
  std::optional<RedisReply> receive(std::chrono::milliseconds timeout);

  // Connects now if not connected (throws as command() does).
  void open();
  void close();
  bool is_open() const { return context_ != nullptr; }
  // Connections made after the first (a reconnect each).
  std::uint64_t reconnects() const { return connects_ > 0 ? connects_ - 1 : 0; }

 private:
  [[noreturn]] void fail(const std::string& what);
  void append(const Args& args);
  RedisReply read_reply();

  RedisEndpoint endpoint_;
  Options options_;
  redisContext* context_ = nullptr;
  std::uint64_t connects_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_failure_;
};

}  // namespace eventhost::cluster
