#include "cluster/redis_connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace eventhost::cluster {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) {
        out.elements.push_back(convert(r->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<void, ReplyDeleter>;

}  // namespace

long long RedisReply::as_integer() const {
  if (type == Type::kInteger) return integer;
  if (type == Type::kString && !str.empty()) {
    try {
      return std::stoll(str);
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, Options options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {}

RedisConnection::~RedisConnection() { close(); }

void RedisConnection::close() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

void RedisConnection::fail(const std::string& what) {
  close();
  throw Error(ErrorKind::kUnavailable,
              "Redis at " + endpoint_.display() + ": " + what);
}

void RedisConnection::open() {
  if (context_ != nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        next_attempt_ - now);
    throw Error(ErrorKind::kUnavailable,
                "Redis at " + endpoint_.display() + " is unreachable (" +
                    last_failure_ + "); next try in " +
                    std::to_string(left.count()) + " ms");
  }
  auto failed = [&](const std::string& why) {
    backoff_ = backoff_.count() == 0 ? kFirstBackoff
                                     : std::min(backoff_ * 2, kMaxBackoff);
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    last_failure_ = why;
    fail(why);
  };
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                     to_timeval(options_.connect_timeout));
  if (context_ == nullptr) failed("cannot allocate a connection");
  if (context_->err != 0)
    failed(std::string("cannot connect: ") + context_->errstr);
  redisSetTimeout(context_, to_timeval(options_.io_timeout));
  redisEnableKeepAlive(context_);
  std::vector<Args> hello;
  if (!endpoint_.password.empty()) {
    if (endpoint_.user.empty()) {
      hello.push_back({"AUTH", endpoint_.password});
    } else {
      hello.push_back({"AUTH", endpoint_.user, endpoint_.password});
    }
  }
  const std::string db = std::to_string(endpoint_.db);
  if (endpoint_.db != 0) hello.push_back({"SELECT", db});
  if (!options_.client_name.empty()) {
    hello.push_back({"CLIENT", "SETNAME", options_.client_name});
  }
  ++connects_;  // counted before the login, so a failing one counts too
  for (const Args& args : hello) {
    append(args);
  }
  for (const Args& args : hello) {
    const RedisReply reply = read_reply();
    if (reply.is_error()) {
      const std::string what =
          args.front() == "AUTH"
              ? "refused the login (" + reply.str +
                    "); check the user and password in the cluster URL"
          : args.front() == "SELECT"
              ? "refused database " + db + " (" + reply.str + ")"
              : "refused " + std::string(args.front()) + " (" + reply.str + ")";
      failed(what);
    }
  }
  backoff_ = std::chrono::milliseconds(0);
  last_failure_.clear();
  if (connects_ > 1 && options_.reconnects != nullptr) {
    options_.reconnects->fetch_add(1, std::memory_order_relaxed);
  }
}

void RedisConnection::append(const Args& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()),
                             argv.data(), lens.data()) != REDIS_OK) {
    fail(std::string("cannot send: ") + context_->errstr);
  }
}

RedisReply RedisConnection::read_reply() {
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    fail(std::string("connection lost: ") +
         (context_ != nullptr && context_->err != 0 ? context_->errstr
                                                    : "no reply"));
  }
  const ReplyPtr reply(raw);
  return convert(static_cast<const redisReply*>(raw));
}

RedisReply RedisConnection::command(const Args& args) {
  open();
  append(args);
  return read_reply();
}

std::vector<RedisReply> RedisConnection::pipeline(
    const std::vector<Args>& commands) {
  std::vector<RedisReply> replies;
  if (commands.empty()) return replies;
  open();
  for (const Args& args : commands) append(args);
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    replies.push_back(read_reply());
  }
  return replies;
}

void RedisConnection::send(const Args& args) {
  open();
  append(args);
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) {
      fail(std::string("cannot send: ") + context_->errstr);
    }
  }
}

std::optional<RedisReply> RedisConnection::receive(
    std::chrono::milliseconds timeout) {
  open();
  void* raw = nullptr;
  if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) {
    fail(std::string("bad reply: ") + context_->errstr);
  }
  if (raw == nullptr) {
    pollfd p{context_->fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0 || (ready < 0 && errno == EINTR)) return std::nullopt;
    if (ready < 0) fail(std::string("poll: ") + std::strerror(errno));
    if (redisBufferRead(context_) != REDIS_OK) {
      fail(std::string("connection lost: ") + context_->errstr);
    }
    if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) {
      fail(std::string("bad reply: ") + context_->errstr);
    }
    if (raw == nullptr) return std::nullopt;  // part of one; more to come
  }
  const ReplyPtr reply(raw);
  return convert(static_cast<const redisReply*>(raw));
}

}  // namespace eventhost::cluster
