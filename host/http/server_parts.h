// What HttpServer's sessions share with the server: its state (Impl), the
// stream helpers that let one session template serve TCP, TLS over TCP and
// the Unix control socket, and the error body. Internal to http_server.cpp
// (with request_session.h and sse_session.h): the only translation unit
// that compiles Beast and Asio's SSL for the server.
//
// Threading: the I/O pool's threads run every connection, each on a strand
// of its own (its socket's executor), so a connection's handlers never run
// at once while different connections run in parallel. What several
// connections share here is atomic or under a mutex. The handler pools
// run RequestHandler calls; Poster may be used from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "http/http_server.h"

namespace eventhost {

class EventStream;

namespace http_detail {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;
using tls_stream = boost::beast::ssl_stream<tcp::socket>;

template <typename Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

// How long a clean TLS close (one that sends close_notify) waits for the
// client's close_notify before the connection is closed anyway.
constexpr std::chrono::seconds kTlsShutdown{1};

// The socket under a stream (itself for a plain socket).
template <typename Stream>
auto& lowest(Stream& stream) {
  return boost::beast::get_lowest_layer(stream);
}

// Something the server can tell to wind down when it stops.
class Connection {
 public:
  virtual ~Connection() = default;
  // Any thread: the connection does it on its own strand.
  virtual void go_away() = 0;
};

// Posts work to a connection's strand for as long as the server runs.
// Publishers on other threads wake live-stream sessions through it; after
// stop() their wakes do nothing instead of touching a destroyed
// io_context.
class Poster {
 public:
  template <typename Executor, typename Fn>
  void post(const Executor& executor, Fn&& fn) {
    std::lock_guard lock(mutex_);
    if (enabled_) asio::post(executor, std::forward<Fn>(fn));
  }
  void disable() {
    std::lock_guard lock(mutex_);
    enabled_ = false;
  }

 private:
  std::mutex mutex_;
  bool enabled_ = true;  // GUARDED_BY(mutex_)
};

// The API's error body, {"error", "kind"}, for the replies the server
// makes itself; `kind` is one of the API's kind names.
std::string json_error(const char* kind, const std::string& message);

// Held by every network connection (a live stream keeps the one its
// request came in on); the count is what --max-connections limits. Taken
// by the acceptor, let go wherever the connection's last owner ends (an
// I/O thread or a handler thread), hence atomic.
class Slot {
 public:
  explicit Slot(std::atomic<std::size_t>& count) : count_(count) { ++count_; }
  ~Slot() { --count_; }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::atomic<std::size_t>& count_;
};

}  // namespace http_detail

struct HttpServer::Impl {
  Impl(HttpServerOptions o, RequestHandler h, EventStream& s)
      : options(std::move(o)),
        handler(std::move(h)),
        stream(s),
        handlers(std::max(1u, options.handler_threads)),
        slow_handlers(std::max(1u, options.slow_threads)) {}

  HttpServerOptions options;
  RequestHandler handler;
  EventStream& stream;
  http_detail::asio::io_context io;         // connections and requests
  http_detail::asio::io_context stream_io;  // live streams (see start())
  // The acceptors, their retries and the winding down at stop() run here,
  // one at a time.
  http_detail::asio::strand<http_detail::asio::io_context::executor_type>
      acceptors = http_detail::asio::make_strand(io);
  // Where requests are answered (see HttpServerOptions::slow).
  http_detail::asio::thread_pool handlers;
  http_detail::asio::thread_pool slow_handlers;
  std::shared_ptr<http_detail::Poster> poster =
      std::make_shared<http_detail::Poster>();
  std::optional<http_detail::asio::ssl::context> tls;  // with --tls-cert
  std::optional<http_detail::tcp::acceptor> tcp_acceptor;
  std::optional<http_detail::unix_socket::acceptor> unix_acceptor;
  std::mutex connections_mutex;
  std::vector<std::weak_ptr<http_detail::Connection>>
      connections;  // GUARDED_BY(connections_mutex)
  std::atomic<std::size_t> open_connections{0};  // network, up to the limit
  std::atomic<std::size_t> refusing{0};  // past the limit, being told 503
  std::atomic<std::int64_t> last_refusal_logged{0};  // steady ticks
  std::optional<http_detail::asio::executor_work_guard<
      http_detail::asio::io_context::executor_type>>
      stream_work;                      // keeps stream_io running
  std::vector<std::thread> io_threads;  // both pools
  std::uint16_t bound_port = 0;
  bool running = false;

  void load_tls();
  void listen_tcp();
  void listen_unix();
  template <typename Acceptor>
  void accept(Acceptor& acceptor, bool trusted);
  void accept_later(std::function<void()> again);
  template <typename Stream>
  void start_session(Stream stream, bool trusted, bool network);
  void track(std::weak_ptr<http_detail::Connection> c) {
    std::lock_guard lock(connections_mutex);
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    connections.push_back(std::move(c));
  }
  void wind_down();
  void stop_when_closed(std::chrono::steady_clock::time_point deadline);

  // The pool that answers `req`.
  http_detail::asio::thread_pool& pool_for(const HttpRequest& req) {
    return options.slow && options.slow(req) ? slow_handlers : handlers;
  }

  HttpResponse call_handler(const HttpRequest& req) {
    try {
      return handler(req);
    } catch (const std::exception& e) {
      spdlog::error("{} {} failed: {}", req.method, req.target, e.what());
      return {500,
              "application/json",
              http_detail::json_error("internal", e.what()),
              {}};
    }
  }
};

}  // namespace eventhost
