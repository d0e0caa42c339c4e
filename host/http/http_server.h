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
// Threading: one I/O thread runs every connection, so a slow client never
// holds a dispatch thread. Handlers run on one separate control thread, one
// request at a time, so management calls (enable, configure, ...) are
// serialized and a slow one does not stall the live stream or heartbeats.
// start() and stop() are for the owning thread.
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
  // For a live-stream resume (Last-Event-ID) that reaches further back than
  // the memory ring: the durable events after `after`, up to `upto`, that
  // match `filter` (empty = all), oldest first, at most `limit`. Called on
  // the server's I/O thread. Optional: without it, a resume is served from
  // the ring alone and what it lacks is reported as a gap.
  std::function<std::vector<StreamEvent>(
      std::uint64_t after, std::uint64_t upto,
      const std::vector<std::string>& filter, std::size_t limit)>
      backfill;
};

// Answers one request. Runs on the server's control thread; exceptions
// become a 500 with their message.
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
