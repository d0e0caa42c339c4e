// HttpServer -- the daemon's HTTP front door, built on Boost.Beast: the one
// place in eventhost that speaks HTTP as a server.
//
// It listens on a TCP address (loopback by default) and, optionally, on the
// control socket: a Unix socket of mode 0600 that the CLI uses to reach the
// running daemon. Every request except the live stream is handed to the
// RequestHandler; GET /api/events/stream is served here, as Server-Sent
// Events from an EventStream.
//
// With a certificate and key, the TCP listener speaks HTTPS only (TLS 1.2
// or later); the control socket stays plain, its 0600 mode being its guard.
//
// Limits, each answered with the API's JSON error and then a close: a
// header over header_limit gets 431, a body over body_limit 413, a request
// whose header is not complete within header_timeout (counted from when
// the server starts waiting, so it also ends an idle keep-alive
// connection) or whose body pauses longer than body_timeout gets 408 (an
// idle connection that sent nothing is just closed), a malformed one 400.
// At most max_connections network connections are served at once (live
// streams included, the control socket not); the next ones get 503 with
// Retry-After.
//
// Threading: a pool of io_threads runs every connection (reading requests,
// writing answers), each connection on a strand of its own, so a slow
// client never holds a dispatch thread and connections are served in
// parallel. A live stream moves to a pool of stream_threads of its own
// (over TLS it stays put: its TLS state cannot move), which is woken from
// the EventStream's publishing thread and writes to its clients, so no
// request's answer waits behind the fan-out. Handlers run on a pool of
// handler_threads, several requests at once: the handler must be
// thread-safe (the daemon's ApiRouter decides what may overlap). Requests
// that `slow` picks (those that run plugin code) run on slow_threads of
// their own, so however many of them wait on plugins, other requests still
// find a free handler thread. start() and stop() are for the owning
// thread.
//
// Errors: start() throws Error(kIo) when an address cannot be bound,
// Error(kUsage) for a certificate or key it cannot use, Error(kRefused)
// for a key file readable by every user or when another daemon already
// answers on the control socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "http/http_message.h"
#include "stream/sse.h"

namespace eventhost {

class EventStream;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (see HttpServer::port())
  std::filesystem::path control_socket;  // empty = no control socket
  std::size_t body_limit = 1 << 20;      // bytes
  std::uint32_t header_limit = 8192;     // bytes: request line and fields
  std::chrono::milliseconds heartbeat{15000};
  std::chrono::milliseconds header_timeout{30000};
  std::chrono::milliseconds body_timeout{30000};  // longest pause
  std::size_t max_connections = 1024;             // network ones
  // PEM files; both set = HTTPS on the TCP listener.
  std::filesystem::path tls_cert, tls_key;
  // Threads (each at least 1): connections' I/O, live streams' I/O,
  // ordinary handlers, and handlers for the requests `slow` holds true for
  // (empty: none).
  unsigned io_threads = 2;
  unsigned stream_threads = 1;
  // How much nicer than the process the stream threads run (see
  // common/thread_priority.h): > 0 lets answers go before the fan-out
  // when the CPUs are busy.
  int stream_nice = 0;
  unsigned handler_threads = 4;
  unsigned slow_threads = 4;
  std::function<bool(const HttpRequest&)> slow;
  // For a live-stream resume (Last-Event-ID) that reaches further back than
  // the memory ring: the durable events after `after`, up to `upto`, that
  // match `filter` (empty = all), oldest first, at most `limit`. Called on
  // an I/O thread, possibly on several at once. Optional: without it, a
  // resume is served from
  // the ring alone and what it lacks is reported as a gap.
  std::function<std::vector<StreamEvent>(
      std::uint64_t after, std::uint64_t upto,
      const std::vector<std::string>& filter, std::size_t limit)>
      backfill;
};

// Answers one request. Runs on a handler thread, concurrently with other
// requests; exceptions become a 500 with their message.
using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // `stream` must outlive the server.
  HttpServer(HttpServerOptions options, RequestHandler handler,
             EventStream& stream);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listeners and starts the threads.
  void start();
  // The bound TCP port (useful when the options asked for port 0).
  std::uint16_t port() const;
  // Stops accepting, closes every connection (live-stream clients are
  // told the server is going away), joins the threads and removes the
  // control socket. Idempotent.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventhost
