// What HttpServer's sessions share with the server: its state (Impl), the
// stream helpers that let one session template serve TCP, TLS over TCP and
// the Unix control socket, and the error body. Internal to http_server.cpp
// (with request_session.h and sse_session.h): the only translation unit
// that compiles Beast and Asio's SSL for the server.
//
// Threading: everything here belongs to the server's one I/O thread, except
// Poster (any thread) and `control` (the handler thread).
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
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
  virtual void go_away() = 0;
};

// Posts work to the I/O thread for as long as the server runs. Publishers
// on other threads wake live-stream sessions through it; after stop() their
// wakes do nothing instead of touching a destroyed io_context.
class Poster {
 public:
  explicit Poster(asio::io_context& io) : io_(&io) {}
  template <typename Fn>
  void post(Fn&& fn) {
    std::lock_guard lock(mutex_);
    if (io_ != nullptr) asio::post(*io_, std::forward<Fn>(fn));
  }
  void disable() {
    std::lock_guard lock(mutex_);
    io_ = nullptr;
  }

 private:
  std::mutex mutex_;
  asio::io_context* io_;  // GUARDED_BY(mutex_)
};

// The API's error body, {"error", "kind"}, for the replies the server
// makes itself; `kind` is one of the API's kind names.
std::string json_error(const char* kind, const std::string& message);

// Held by every network connection (a live stream keeps the one its
// request came in on); the count is what --max-connections limits. Taken
// on the I/O thread, but let go wherever the connection's last owner ends
// (a request's handler on the control thread too), hence atomic.
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
      : options(std::move(o)), handler(std::move(h)), stream(s) {}

  HttpServerOptions options;
  RequestHandler handler;
  EventStream& stream;
  http_detail::asio::io_context io;
  http_detail::asio::thread_pool control{1};
  std::shared_ptr<http_detail::Poster> poster =
      std::make_shared<http_detail::Poster>(io);
  std::optional<http_detail::asio::ssl::context> tls;  // with --tls-cert
  std::optional<http_detail::tcp::acceptor> tcp_acceptor;
  std::optional<http_detail::unix_socket::acceptor> unix_acceptor;
  // I/O thread only, as are the counts.
  std::vector<std::weak_ptr<http_detail::Connection>> connections;
  std::atomic<std::size_t> open_connections{0};  // network, up to the limit
  std::atomic<std::size_t> refusing{0};  // past the limit, being told 503
  std::thread io_thread;
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
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    connections.push_back(std::move(c));
  }
  void wind_down();
  void stop_when_closed(std::chrono::steady_clock::time_point deadline);

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
