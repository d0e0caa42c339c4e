// HttpServer: listening, TLS, the connection limit, start and stop. The
// sessions are in request_session.h and sse_session.h; this and
// http_client.cpp are the only files that compile Beast.
#include "http/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>

#include "common/error.h"
#include "common/thread_priority.h"
#include "http/request_session.h"
#include "http/server_parts.h"
#include "http/sse_session.h"
#include "stream/event_stream.h"

namespace eventhost {

using namespace http_detail;

namespace {

// Connections past the limit that may be answered 503 at once; past these
// too, a new connection is closed without an answer.
constexpr std::size_t kMaxRefusing = 64;

}  // namespace

namespace http_detail {

std::string json_error(const char* kind, const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    escaped += c;
  }
  return "{\"error\": \"" + escaped + "\", \"kind\": \"" + kind + "\"}";
}

}  // namespace http_detail

// Each connection's socket gets a strand of its own: its handlers never
// overlap, while other connections run on the other I/O threads.
template <typename Acceptor>
void HttpServer::Impl::accept(Acceptor& acceptor, bool trusted) {
  using Socket = typename Acceptor::protocol_type::socket;
  auto socket = std::make_shared<Socket>(asio::make_strand(io));
  acceptor.async_accept(
      *socket, [this, &acceptor, trusted, socket](error_code ec) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          // Out of file descriptors, most likely: try again shortly rather
          // than spin on the same error.
          spdlog::warn("cannot accept a connection: {}", ec.message());
          return accept_later(
              [this, &acceptor, trusted] { accept(acceptor, trusted); });
        }
        if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
          if (tls) {
            start_session(tls_stream(std::move(*socket), *tls), trusted, true);
          } else {
            start_session(std::move(*socket), trusted, true);
          }
        } else {
          // The control socket.
          start_session(std::move(*socket), trusted, false);
        }
        accept(acceptor, trusted);
      });
}

void HttpServer::Impl::accept_later(std::function<void()> again) {
  auto timer = std::make_shared<asio::steady_timer>(
      acceptors, std::chrono::milliseconds(50));
  timer->async_wait([timer, again = std::move(again)](error_code ec) {
    if (!ec) again();
  });
}

// Network connections take a slot under --max-connections; past it, a few
// more are told 503 and the rest are closed. The control socket has no
// limit: the daemon's own user can always reach it.
template <typename Stream>
void HttpServer::Impl::start_session(Stream stream, bool trusted,
                                     bool network) {
  std::shared_ptr<Slot> slot;
  bool refuse = false;
  if (network && open_connections < options.max_connections) {
    slot = std::make_shared<Slot>(open_connections);
  } else if (network && refusing < kMaxRefusing) {
    slot = std::make_shared<Slot>(refusing);
    refuse = true;
  } else if (network) {
    error_code ignored;
    lowest(stream).close(ignored);
    return;
  }
  auto session = std::make_shared<RequestSession<Stream>>(
      std::move(stream), *this, trusted, std::move(slot), refuse);
  track(session);
  // On its strand, like everything it does.
  asio::post(session->executor(), [session] { session->start(); });
}

// The certificate and key for HTTPS, checked now so that a bad file stops
// the start with a message rather than failing every handshake.
void HttpServer::Impl::load_tls() {
  if (options.tls_cert.empty() && options.tls_key.empty()) return;
  const std::string cert = options.tls_cert.string();
  const std::string key = options.tls_key.string();
  if (cert.empty() || key.empty()) {
    throw Error(ErrorKind::kUsage,
                "TLS needs both --tls-cert and --tls-key (PEM files)");
  }
  struct stat st {};
  if (::stat(key.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    throw Error(ErrorKind::kRefused, "the TLS key " + key +
                                         " is readable by every user; run "
                                         "`chmod o-r " +
                                         key + "` (or chmod 600)");
  }
  using ssl = asio::ssl::context;
  tls.emplace(ssl::tls_server);
  tls->set_options(ssl::default_workarounds | ssl::no_sslv2 | ssl::no_sslv3 |
                   ssl::no_tlsv1 | ssl::no_tlsv1_1 | ssl::single_dh_use);
  // An encrypted key would otherwise make OpenSSL ask on the terminal.
  tls->set_password_callback(
      [](std::size_t, ssl::password_purpose) { return std::string(); });
  error_code ec;
  tls->use_certificate_chain_file(cert, ec);
  if (ec) {
    throw Error(ErrorKind::kUsage,
                "cannot use --tls-cert " + cert + ": " + ec.message() +
                    "; give a PEM file with the certificate (and its chain)");
  }
  tls->use_private_key_file(key, ssl::pem, ec);
  if (ec) {
    throw Error(ErrorKind::kUsage,
                "cannot use --tls-key " + key + ": " + ec.message() +
                    "; give the certificate's private key as an unencrypted "
                    "PEM file");
  }
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
  tcp_acceptor.emplace(acceptors);
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
  unix_acceptor.emplace(acceptors, unix_socket());
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

// On the acceptors' strand.
void HttpServer::Impl::wind_down() {
  error_code ignored;
  if (tcp_acceptor) tcp_acceptor->close(ignored);
  if (unix_acceptor) unix_acceptor->close(ignored);
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(connections_mutex);
    for (const auto& weak : connections) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }
  for (const auto& c : open) c->go_away();
}

// Polls until every connection has closed or the deadline passed, then
// ends the I/O loop.
void HttpServer::Impl::stop_when_closed(
    std::chrono::steady_clock::time_point deadline) {
  bool none = false;
  {
    std::lock_guard lock(connections_mutex);
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    none = connections.empty();
  }
  if (none || std::chrono::steady_clock::now() >= deadline) {
    stream_io.stop();
    io.stop();
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(
      acceptors, std::chrono::milliseconds(20));
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
  impl_->load_tls();
  impl_->listen_tcp();
  if (!impl_->options.control_socket.empty()) impl_->listen_unix();
  if (impl_->tcp_acceptor) impl_->accept(*impl_->tcp_acceptor, false);
  if (impl_->unix_acceptor) impl_->accept(*impl_->unix_acceptor, true);
  impl_->running = true;
  const unsigned threads = std::max(1u, impl_->options.io_threads);
  for (unsigned i = 0; i < threads; ++i) {
    impl_->io_threads.emplace_back([this] { impl_->io.run(); });
  }
  // Live streams are handed over as they start; until then, and between
  // them, their pool has nothing to do but must keep running.
  impl_->stream_work.emplace(impl_->stream_io.get_executor());
  const unsigned stream_threads = std::max(1u, impl_->options.stream_threads);
  for (unsigned i = 0; i < stream_threads; ++i) {
    impl_->io_threads.emplace_back([this] {
      lower_thread_priority(impl_->options.stream_nice);
      impl_->stream_io.run();
    });
  }
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
  asio::post(impl_->acceptors, [this, deadline] {
    impl_->wind_down();
    impl_->stop_when_closed(deadline);
  });
  // Handlers still running post their answers to the I/O pool, which runs
  // until the connections have closed.
  impl_->handlers.join();
  impl_->slow_handlers.join();
  for (std::thread& t : impl_->io_threads) t.join();
  impl_->io_threads.clear();
  if (!impl_->options.control_socket.empty()) {
    std::error_code ignored;
    std::filesystem::remove(impl_->options.control_socket, ignored);
  }
}

}  // namespace eventhost
