// HttpServer: Beast sessions for plain requests and for the live stream.
// This and http_client.cpp are the only files that include Beast.
#include "http/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/error.h"
#include "stream/event_stream.h"
#include "stream/sse.h"

namespace eventhost {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

namespace {

constexpr char kStreamPath[] = "/api/events/stream";

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
std::string json_error(const char* kind, const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    escaped += c;
  }
  return "{\"error\": \"" + escaped + "\", \"kind\": \"" + kind + "\"}";
}

HttpRequest to_request(const http::request<http::string_body>& msg,
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

std::vector<std::string> split_patterns(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

std::string sse_event(const std::string& type, const std::string& data) {
  return "event: " + type + "\ndata: " + data + "\n\n";
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions o, RequestHandler h, EventStream& s)
      : options(std::move(o)), handler(std::move(h)), stream(s) {}

  HttpServerOptions options;
  RequestHandler handler;
  EventStream& stream;
  asio::io_context io;
  asio::thread_pool control{1};
  std::shared_ptr<Poster> poster = std::make_shared<Poster>(io);
  std::optional<tcp::acceptor> tcp_acceptor;
  std::optional<unix_socket::acceptor> unix_acceptor;
  std::vector<std::weak_ptr<Connection>> connections;  // I/O thread only
  std::thread io_thread;
  std::uint16_t bound_port = 0;
  bool running = false;

  void listen_tcp();
  void listen_unix();
  template <typename Acceptor>
  void accept(Acceptor& acceptor, bool trusted);
  void track(std::weak_ptr<Connection> c) {
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
      return {500, "application/json", json_error("internal", e.what()), {}};
    }
  }
};

namespace {

template <typename Socket>
class SseSession : public Connection,
                   public std::enable_shared_from_this<SseSession<Socket>> {
 public:
  SseSession(Socket socket, HttpServer::Impl& server)
      : socket_(std::move(socket)), server_(server), heartbeat_(server.io) {}
  ~SseSession() override {
    if (subscriber_) subscriber_->close();
  }

  void start(const HttpRequest& req) {
    std::weak_ptr<SseSession> weak = this->shared_from_this();
    auto poster = server_.poster;
    const auto resume = req.last_event_id();
    subscriber_ = server_.stream.subscribe(split_patterns(req.query("events")),
                                           resume, [poster, weak] {
                                             poster->post([weak] {
                                               if (auto self = weak.lock())
                                                 self->pump();
                                             });
                                           });
    pending_ = ": eventhost live stream\n\n";
    if (resume && server_.options.backfill) {
      resume_from_journal(*resume, split_patterns(req.query("events")));
    } else if (subscriber_->missed_on_resume() > 0) {
      pending_ += sse_event(
          "gap",
          "{\"missed\": " + std::to_string(subscriber_->missed_on_resume()) +
              ", \"reason\": \"no longer held in memory\"}");
    }
    response_.result(http::status::ok);
    response_.version(11);
    response_.set(http::field::content_type, "text/event-stream");
    response_.set(http::field::cache_control, "no-cache");
    response_.chunked(true);
    serializer_.emplace(response_);
    writing_ = true;
    http::async_write_header(
        socket_, *serializer_,
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec) return self->close();
          self->watch_for_hangup();
          self->schedule_heartbeat();
          self->pump();
        });
  }

  // Sends the journal's events after `after` that the ring could not, then
  // the ring's, each once and in order. More than kMaxBackfill is a gap:
  // the client resumes again from the last id it got.
  void resume_from_journal(std::uint64_t after,
                           const std::vector<std::string>& filter) {
    constexpr std::size_t kMaxBackfill = 10000;
    std::vector<StreamEventPtr> held = subscriber_->take();
    const std::uint64_t upto = !held.empty() ? held.front()->id - 1
                               : subscriber_->newest_at_subscribe() != 0
                                   ? subscriber_->newest_at_subscribe()
                                   : UINT64_MAX;
    std::uint64_t last = after;
    const auto durable =
        server_.options.backfill(after, upto, filter, kMaxBackfill);
    for (const StreamEvent& e : durable) {
      pending_ += format_sse(e);
      last = e.id;
    }
    if (durable.size() == kMaxBackfill) {
      pending_ += sse_event(
          "gap", "{\"reason\": \"more than " + std::to_string(kMaxBackfill) +
                     " events to resume; reconnect with "
                     "Last-Event-ID " +
                     std::to_string(last) + " for the rest\"}");
      finish_after_write_ = true;  // the client comes back for the rest
      return;
    }
    for (const StreamEventPtr& e : held) {
      if (e->id > last) pending_ += format_sse(*e);
    }
  }

  void go_away() override {
    if (closing_) return;
    pending_ += sse_event("shutdown", "{\"reason\": \"server stopping\"}");
    finish_after_write_ = true;
    pump();
  }

 private:
  void pump() {
    if (writing_ || closing_) return;
    std::string text = std::move(pending_);
    pending_.clear();
    // Read before take(): an overflowed queue gets nothing more, so every
    // event is sent before the overflow notice. Read after, a refill
    // between the two calls would follow the notice.
    const bool overflowed = subscriber_->overflowed();
    for (const StreamEventPtr& e : subscriber_->take()) text += format_sse(*e);
    if (overflowed && !finish_after_write_) {
      text += sse_event(
          "overflow",
          "{\"error\": \"this client fell behind: its queue filled, so the "
          "server disconnected it; reconnect with Last-Event-ID to "
          "resume\"}");
      finish_after_write_ = true;
    }
    if (text.empty()) {
      if (finish_after_write_) finish();
      return;
    }
    out_ = std::move(text);
    writing_ = true;
    asio::async_write(
        socket_, http::make_chunk(asio::buffer(out_)),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec) return self->close();
          self->pump();
        });
  }

  // Ends the chunked body properly, then closes.
  void finish() {
    if (closing_) return;
    closing_ = true;
    writing_ = true;
    asio::async_write(
        socket_, http::make_chunk_last(),
        [self = this->shared_from_this()](error_code, std::size_t) {
          self->writing_ = false;
          self->close();
        });
  }

  // A client sends nothing after its request; a read that completes means
  // it hung up (or misbehaves), either way the stream ends.
  void watch_for_hangup() {
    socket_.async_read_some(
        asio::buffer(probe_),
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->close();
          self->watch_for_hangup();
        });
  }

  void schedule_heartbeat() {
    heartbeat_.expires_after(server_.options.heartbeat);
    heartbeat_.async_wait([weak = this->weak_from_this()](error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closing_) return;
      self->pending_ += format_sse_comment("heartbeat");
      self->pump();
      self->schedule_heartbeat();
    });
  }

  void close() {
    closing_ = true;
    heartbeat_.cancel();
    if (subscriber_) subscriber_->close();
    error_code ignored;
    socket_.close(ignored);
  }

  Socket socket_;
  HttpServer::Impl& server_;
  asio::steady_timer heartbeat_;
  std::shared_ptr<EventStream::Subscriber> subscriber_;
  http::response<http::empty_body> response_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::string pending_;  // comments and notices waiting for the next write
  std::string out_;      // the chunk being written
  char probe_[256];
  bool writing_ = false, closing_ = false, finish_after_write_ = false;
};

template <typename Socket>
class Session : public Connection,
                public std::enable_shared_from_this<Session<Socket>> {
 public:
  Session(Socket socket, HttpServer::Impl& server, bool trusted)
      : socket_(std::move(socket)),
        server_(server),
        timer_(server.io),
        trusted_(trusted) {}

  void start() { read_request(); }

  // Idle connections are closed; one whose answer is being prepared
  // finishes it first.
  void go_away() override {
    stopping_ = true;
    if (!busy_) close();
  }

 private:
  void read_request() {
    if (stopping_) return close();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    timer_.expires_after(server_.options.idle_timeout);
    timer_.async_wait([weak = this->weak_from_this()](error_code ec) {
      if (auto self = weak.lock(); self && !ec && !self->busy_) self->close();
    });
    // The header first: a client that sent "Expect: 100-continue" (curl
    // does for bodies over 1 MiB) waits for our go-ahead before the body,
    // and would otherwise stall a second on every such request.
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) {
          if (ec) return self->on_read(ec);
          if (!self->expects_continue()) return self->read_body();
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::async_write(self->socket_, asio::buffer(kContinue),
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

  void read_body() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = this->shared_from_this()](
                         error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    timer_.cancel();
    if (ec == http::error::body_limit) {
      return write({413,
                    "application/json",
                    json_error("invalid_input",
                               "request body larger than the limit of " +
                                   std::to_string(server_.options.body_limit) +
                                   " bytes; send smaller batches or raise "
                                   "--max-body"),
                    {}},
                   false);
    }
    if (ec &&
        ec.category() ==
            make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream) {
      return write(
          {400,
           "application/json",
           json_error("usage", "malformed HTTP request: " + ec.message()),
           {}},
          false);
    }
    if (ec) return close();
    HttpRequest req = to_request(parser_->get(), trusted_);
    const bool keep_alive = parser_->get().keep_alive();
    if (req.method == "GET" && req.path() == kStreamPath) {
      auto sse =
          std::make_shared<SseSession<Socket>>(std::move(socket_), server_);
      server_.track(sse);
      sse->start(req);
      return;
    }
    busy_ = true;
    asio::post(server_.control, [self = this->shared_from_this(),
                                 req = std::move(req), keep_alive] {
      HttpResponse res = self->server_.call_handler(req);
      asio::post(self->server_.io,
                 [self, res = std::move(res), keep_alive]() mutable {
                   self->write(std::move(res), keep_alive);
                 });
    });
  }

  void write(HttpResponse res, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(res.status), 11);
    msg->set(http::field::content_type, res.content_type);
    msg->set(http::field::server, "eventhost");
    for (const auto& [name, value] : res.headers) msg->set(name, value);
    msg->keep_alive(keep_alive && !stopping_);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    http::async_write(
        socket_, *msg,
        [self = this->shared_from_this(), msg](error_code ec, std::size_t) {
          self->busy_ = false;
          if (ec || !msg->keep_alive()) return self->close();
          self->read_request();
        });
  }

  void close() {
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Socket socket_;
  HttpServer::Impl& server_;
  asio::steady_timer timer_;
  bool trusted_;
  bool busy_ = false, stopping_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

template <typename Acceptor>
void HttpServer::Impl::accept(Acceptor& acceptor, bool trusted) {
  acceptor.async_accept([this, &acceptor, trusted](
                            error_code ec,
                            typename Acceptor::protocol_type::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto session =
          std::make_shared<Session<typename Acceptor::protocol_type::socket>>(
              std::move(s), *this, trusted);
      track(session);
      session->start();
    }
    accept(acceptor, trusted);
  });
}

void HttpServer::Impl::listen_tcp() {
  error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    throw Error(ErrorKind::kUsage, "invalid listen address '" + options.host +
                                       "': use an IP address such as "
                                       "127.0.0.1 or ::1");
  }
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.host + ":" + std::to_string(options.port);
  tcp_acceptor.emplace(io);
  tcp_acceptor->open(endpoint.protocol());
  tcp_acceptor->set_option(asio::socket_base::reuse_address(true));
  tcp_acceptor->bind(endpoint, ec);
  if (ec) {
    throw Error(ErrorKind::kIo, "cannot listen on " + where + ": " +
                                    ec.message() +
                                    "; choose another address with --listen");
  }
  tcp_acceptor->listen(asio::socket_base::max_listen_connections);
  bound_port = tcp_acceptor->local_endpoint().port();
}

// A socket file nobody answers on is left over from a daemon that died; one
// that answers belongs to a live daemon, which must not be displaced.
void HttpServer::Impl::listen_unix() {
  const std::string path = options.control_socket.string();
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw Error(ErrorKind::kUsage,
                "control socket path too long for a Unix socket (" +
                    std::to_string(path.size()) + " bytes): " + path +
                    "; use a shorter --state path");
  }
  const unix_socket::endpoint endpoint(path);
  if (std::filesystem::exists(options.control_socket)) {
    unix_socket::socket probe(io);
    error_code ec;
    probe.connect(endpoint, ec);
    if (!ec) {
      throw Error(ErrorKind::kRefused,
                  "another eventhost daemon already runs on this state: its "
                  "control socket " +
                      path +
                      " answers; stop it first (or use another --state)");
    }
    std::filesystem::remove(options.control_socket);
  }
  unix_acceptor.emplace(io, unix_socket());
  error_code ec;
  unix_acceptor->bind(endpoint, ec);
  if (ec) {
    throw Error(ErrorKind::kIo, "cannot create the control socket " + path +
                                    ": " + ec.message());
  }
  // Before listen(): no connection can be accepted while the mode is wider.
  ::chmod(path.c_str(), 0600);
  unix_acceptor->listen();
}

void HttpServer::Impl::wind_down() {
  error_code ignored;
  if (tcp_acceptor) tcp_acceptor->close(ignored);
  if (unix_acceptor) unix_acceptor->close(ignored);
  for (const auto& weak : connections) {
    if (auto c = weak.lock()) c->go_away();
  }
}

// Polls until every connection has closed or the deadline passed, then
// ends the I/O loop.
void HttpServer::Impl::stop_when_closed(
    std::chrono::steady_clock::time_point deadline) {
  std::erase_if(connections, [](const auto& w) { return w.expired(); });
  if (connections.empty() || std::chrono::steady_clock::now() >= deadline) {
    io.stop();
    return;
  }
  auto timer =
      std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(20));
  timer->async_wait(
      [this, timer, deadline](error_code) { stop_when_closed(deadline); });
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler,
                       EventStream& stream)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler),
                                   stream)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (impl_->running) return;
  impl_->listen_tcp();
  if (!impl_->options.control_socket.empty()) impl_->listen_unix();
  if (impl_->tcp_acceptor) impl_->accept(*impl_->tcp_acceptor, false);
  if (impl_->unix_acceptor) impl_->accept(*impl_->unix_acceptor, true);
  impl_->running = true;
  impl_->io_thread = std::thread([this] { impl_->io.run(); });
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

// Connections are asked to finish (live streams get a last "shutdown"
// event); whatever is still open after a short grace is cut.
void HttpServer::stop() {
  if (!impl_->running) return;
  impl_->running = false;
  impl_->poster->disable();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(2);
  asio::post(impl_->io, [this, deadline] {
    impl_->wind_down();
    impl_->stop_when_closed(deadline);
  });
  impl_->control.join();
  impl_->io_thread.join();
  if (!impl_->options.control_socket.empty()) {
    std::error_code ignored;
    std::filesystem::remove(impl_->options.control_socket, ignored);
  }
}

}  // namespace eventhost
