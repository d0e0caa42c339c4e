// RequestSession -- one connection's plain requests: over TLS it first runs
// the handshake; then it reads each request (the header within
// header_timeout, the body with no pause longer than body_timeout), has the
// handler answer it on the control thread, and hands GET
// /api/events/stream to an SseSession. Internal to http_server.cpp.
//
// What the server answers itself, closing the connection after: 400 for a
// malformed request (or plain HTTP sent to the TLS port), 408 for a request
// that stopped arriving, 413 for a body over the limit, 431 for a header
// over the limit, 503 for a connection past --max-connections.
//
// Threading: the connection's strand on the server's I/O pool; the handler
// runs on a handler pool and the answer is posted back to the strand.
#pragma once

#include <unistd.h>

#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <optional>

#include "http/server_parts.h"
#include "http/sse_session.h"

namespace eventhost::http_detail {

constexpr char kStreamPath[] = "/api/events/stream";
// How long a connection being closed may still send before it is cut.
constexpr std::chrono::seconds kLinger{2};

inline HttpRequest to_request(const http::request<http::string_body>& msg,
                              bool trusted) {
  HttpRequest r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  r.body = msg.body();
  r.trusted = trusted;
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    r.headers[name] = std::string(field.value());
  }
  return r;
}

template <typename Stream>
class RequestSession
    : public Connection,
      public std::enable_shared_from_this<RequestSession<Stream>> {
 public:
  // `slot` is the connection's place under --max-connections (null on the
  // control socket); with `refuse`, the place is one of those kept for
  // telling connections past the limit to come back later.
  RequestSession(Stream stream, HttpServer::Impl& server, bool trusted,
                 std::shared_ptr<Slot> slot, bool refuse)
      : stream_(std::move(stream)),
        server_(server),
        executor_(stream_.get_executor()),
        timer_(executor_),
        slot_(std::move(slot)),
        trusted_(trusted),
        refuse_(refuse) {}

  // The connection's strand (kept: the stream moves to a live stream).
  const asio::any_io_executor& executor() const { return executor_; }

  void start() {
    if constexpr (is_tls<Stream>) {
      expect_tls();
    } else {
      read_request();
    }
  }

  // Idle connections are closed; one whose answer is being prepared
  // finishes it first.
  void go_away() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->stopping_ = true;
      if (self->busy_) return;
      if (self->lingering_) return self->close();
      self->close_idle();
    });
  }

 private:
  using Clock = std::chrono::steady_clock;

  // A TLS client opens with a handshake record (0x16). Anything else is most
  // likely plain HTTP, which gets a plain answer saying to use https.
  void expect_tls() {
    arm(server_.options.header_timeout);
    lowest(stream_).async_wait(
        tcp::socket::wait_read,
        [self = this->shared_from_this()](error_code ec) {
          if (ec) return self->close();
          unsigned char first = 0;
          lowest(self->stream_)
              .receive(asio::buffer(&first, 1), tcp::socket::message_peek, ec);
          if (ec) return self->close();
          if (first != 0x16) return self->refuse_plain_http();
          self->handshake();
        });
  }

  void handshake() {
    if constexpr (is_tls<Stream>) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) {
                                  spdlog::debug("TLS handshake failed: {}",
                                                ec.message());
                                  return self->close();
                                }
                                self->handshaken_ = true;
                                self->read_request();
                              });
    }
  }

  void refuse_plain_http() {
    const std::string body = json_error(
        "usage",
        "this port speaks HTTPS only (the daemon runs with --tls-cert): use "
        "an https:// URL");
    out_ =
        "HTTP/1.1 400 Bad Request\r\nServer: eventhost\r\n"
        "Content-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    asio::async_write(
        lowest(stream_), asio::buffer(out_),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->close();
          self->stop_sending_and_drain();  // no TLS was spoken
        });
  }

  // Starts the clock on what the connection waits for. When it runs out, a
  // request that has begun to arrive gets 408; a connection idle between
  // requests (or mid-handshake) is just closed.
  void arm(std::chrono::milliseconds limit) {
    timer_.expires_after(limit);
    timer_.async_wait([weak = this->weak_from_this()](error_code ec) {
      auto self = weak.lock();
      // A wait that completed just before a re-arm must not count.
      if (!self || ec || self->busy_ || self->lingering_ ||
          self->timer_.expiry() > Clock::now())
        return;
      const bool begun =
          self->parser_ && (self->parser_->got_some() || self->buffer_.size());
      if (!begun) return self->close_idle();
      self->timed_out_ = true;
      error_code ignored;
      lowest(self->stream_).cancel(ignored);  // on_read answers 408
    });
  }

  void read_request() {
    if (stopping_) return close();
    parser_.emplace();
    parser_->header_limit(server_.options.header_limit);
    parser_->body_limit(server_.options.body_limit);
    arm(server_.options.header_timeout);
    // The header first: a client that sent "Expect: 100-continue" (curl
    // does for bodies over 1 MiB) waits for our go-ahead before the body,
    // and would otherwise stall a second on every such request.
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->on_read(ec);
          if (self->refuse_) return self->refuse_busy();
          if (!self->expects_continue()) return self->read_body();
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::async_write(self->stream_, asio::buffer(kContinue),
                            [self](error_code wec, std::size_t) {
                              if (wec) return self->close();
                              self->read_body();
                            });
        });
  }

  bool expects_continue() const {
    const auto& header = parser_->get();
    const auto it = header.find(http::field::expect);
    return it != header.end() &&
           boost::beast::iequals(it->value(), "100-continue");
  }

  // Piece by piece, so that the body timeout is a limit on each pause, not
  // on the whole body.
  void read_body() {
    if (parser_->is_done()) return on_read({});
    arm(server_.options.body_timeout);
    http::async_read_some(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->on_read(ec);
          self->read_body();
        });
  }

  void on_read(error_code ec) {
    timer_.cancel();
    if (idle_closing_) return shutdown_tls();
    if (timed_out_) {
      return answer_error(
          408, "usage",
          "the request stopped arriving: the header must come within " +
              std::to_string(server_.options.header_timeout.count()) +
              " ms and the body may pause at most " +
              std::to_string(server_.options.body_timeout.count()) + " ms");
    }
    if (ec == http::error::header_limit) {
      return answer_error(431, "invalid_input",
                          "request header larger than the limit of " +
                              std::to_string(server_.options.header_limit) +
                              " bytes; send fewer or shorter header fields");
    }
    if (ec == http::error::body_limit) {
      return answer_error(413, "invalid_input",
                          "request body larger than the limit of " +
                              std::to_string(server_.options.body_limit) +
                              " bytes; send smaller batches or raise "
                              "--max-body");
    }
    if (ec &&
        ec.category() ==
            make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream) {
      return answer_error(400, "usage",
                          "malformed HTTP request: " + ec.message());
    }
    if (ec) return close();
    HttpRequest req = to_request(parser_->get(), trusted_);
    const bool keep_alive = parser_->get().keep_alive();
    if (req.method == "GET" && req.path() == kStreamPath) {
      upgraded_ = true;
      return start_stream(std::move(req));
    }
    busy_ = true;
    auto& pool = server_.pool_for(req);
    asio::post(pool, [self = this->shared_from_this(), req = std::move(req),
                      keep_alive] {
      HttpResponse res = self->server_.call_handler(req);
      asio::post(self->executor_,
                 [self, res = std::move(res), keep_alive]() mutable {
                   self->write(std::move(res), keep_alive);
                 });
    });
  }

  // Hands the connection to an SseSession on the stream I/O pool, so that
  // writing to live-stream clients never delays a request's answer. A TLS
  // connection stays where it is: its TLS state cannot move to another
  // io_context.
  void start_stream(HttpRequest req) {
    if constexpr (is_tls<Stream>) {
      auto sse = std::make_shared<SseSession<Stream>>(std::move(stream_),
                                                      server_, slot_);
      server_.track(sse);
      sse->start(req);
    } else {
      error_code ec;
      const auto protocol = stream_.local_endpoint(ec).protocol();
      const auto native = ec ? -1 : stream_.release(ec);
      if (ec) {
        stream_.close(ec);  // the client sees the connection end
        return;
      }
      Stream moved(asio::make_strand(server_.stream_io));
      moved.assign(protocol, native, ec);
      if (ec) {
        ::close(native);
        return;
      }
      auto sse = std::make_shared<SseSession<Stream>>(std::move(moved), server_,
                                                      slot_);
      server_.track(sse);
      asio::post(sse->executor(),
                 [sse, req = std::move(req)] { sse->start(req); });
    }
  }

  void answer_error(unsigned status, const char* kind,
                    const std::string& message) {
    write({status, "application/json", json_error(kind, message), {}}, false);
  }

  void refuse_busy() {
    // One line per 10 s at most, whichever connection says it.
    const auto now = Clock::now().time_since_epoch().count();
    auto last = server_.last_refusal_logged.load();
    if (now - last > std::chrono::duration_cast<Clock::duration>(
                         std::chrono::seconds(10))
                         .count() &&
        server_.last_refusal_logged.compare_exchange_strong(last, now)) {
      spdlog::warn(
          "{} connections open, the --max-connections limit: answering 503 "
          "to new ones",
          server_.options.max_connections);
    }
    write({503,
           "application/json",
           json_error("refused",
                      "the daemon serves at most " +
                          std::to_string(server_.options.max_connections) +
                          " connections at once (--max-connections) and all "
                          "are in use; retry shortly"),
           {{"Retry-After", "1"}}},
          false);
  }

  void write(HttpResponse res, bool keep_alive) {
    busy_ = true;
    auto msg = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(res.status), 11);
    msg->set(http::field::content_type, res.content_type);
    msg->set(http::field::server, "eventhost");
    for (const auto& [name, value] : res.headers) msg->set(name, value);
    msg->keep_alive(keep_alive && !stopping_);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    http::async_write(
        stream_, *msg,
        [self = this->shared_from_this(), msg](error_code ec, std::size_t) {
          self->busy_ = false;
          if (ec) return self->close();
          if (!msg->keep_alive()) return self->linger();
          self->read_request();
        });
  }

  // Closes without losing the answer just sent: closing a socket that still
  // holds unread request bytes makes the kernel send a reset, which can
  // reach the client before it has read the answer (a 413 or 431 is just
  // such a case). So: stop sending, discard what still arrives until the
  // client closes or kLinger passes, then close. Over TLS the close is
  // announced first (shutdown_tls).
  void linger() {
    if constexpr (is_tls<Stream>) {
      shutdown_tls();
    } else {
      stop_sending_and_drain();
    }
  }

  // A clean close over TLS sends close_notify, so that the client can tell
  // the end of the answer from a connection cut short (OpenSSL reports
  // that as an unexpected EOF, and a truncation attack looks the same).
  // The shutdown then waits for the client's close_notify, at most
  // kTlsShutdown: a client that does not answer cannot hold the
  // connection. Only after a request was read, so the handshake is done.
  void shutdown_tls() {
    if constexpr (is_tls<Stream>) {
      lingering_ = true;  // the request timers no longer apply
      timer_.expires_after(kTlsShutdown);
      timer_.async_wait([weak = this->weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (!self || ec) return;
        error_code ignored;
        lowest(self->stream_).cancel(ignored);  // ends the shutdown at once
      });
      stream_.async_shutdown([self = this->shared_from_this()](error_code) {
        self->stop_sending_and_drain();
      });
    }
  }

  // Closes a connection with no request under way (waiting for one, or
  // for its handshake) as cleanly as it can: over TLS, once the handshake
  // is done, its pending read is cancelled and on_read says close_notify;
  // SSL allows one read at a time, and the shutdown reads.
  void close_idle() {
    if constexpr (is_tls<Stream>) {
      if (handshaken_ && !upgraded_) {
        idle_closing_ = true;
        error_code ignored;
        lowest(stream_).cancel(ignored);
        return;
      }
    }
    close();
  }

  void stop_sending_and_drain() {
    lingering_ = true;
    error_code ignored;
    lowest(stream_).shutdown(asio::socket_base::shutdown_send, ignored);
    timer_.expires_after(kLinger);
    timer_.async_wait([weak = this->weak_from_this()](error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->close();
    });
    drain();
  }

  void drain() {
    if (!discard_) discard_ = std::make_unique<char[]>(kDiscard);
    lowest(stream_).async_read_some(
        asio::buffer(discard_.get(), kDiscard),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->close();
          self->drain();
        });
  }

  void close() {
    if (upgraded_) return;  // the stream belongs to the live stream now
    timer_.cancel();
    error_code ignored;
    lowest(stream_).shutdown(asio::socket_base::shutdown_both, ignored);
    lowest(stream_).close(ignored);
  }

  static constexpr std::size_t kDiscard = 4096;

  Stream stream_;
  HttpServer::Impl& server_;
  const asio::any_io_executor executor_;
  asio::steady_timer timer_;
  std::shared_ptr<Slot> slot_;
  bool trusted_;
  bool refuse_;
  bool busy_ = false, stopping_ = false, timed_out_ = false;
  bool lingering_ = false, upgraded_ = false;
  bool handshaken_ = false, idle_closing_ = false;
  std::string out_;                  // a reply written outside Beast
  std::unique_ptr<char[]> discard_;  // what linger() reads and throws away
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace eventhost::http_detail
