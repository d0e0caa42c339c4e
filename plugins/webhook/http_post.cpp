// The plugin's only Boost.Beast translation unit (see http_post.hpp).
#include "http_post.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <limits>
#include <stdexcept>

namespace webhook {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kBodyLimit = 64 * 1024;

bool is_ip_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Runs one asynchronous operation to its end on `io`; the per-operation
// deadlines of beast::tcp_stream bound how long that takes.
template <class Start>
error_code run_one(asio::io_context& io, Start&& start) {
  error_code result = asio::error::would_block;
  start([&result](error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

std::string describe(const error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  return ec.message();
}

std::runtime_error failure(const std::string& what, const error_code& ec) {
  return std::runtime_error(what + ": " + describe(ec));
}

}  // namespace

struct HttpPoster::Impl {
  asio::ssl::context tls{asio::ssl::context::tls_client};
};

HttpPoster::HttpPoster(const std::string& ca_file)
    : impl_(std::make_unique<Impl>()) {
  error_code ec;
  impl_->tls.set_verify_mode(asio::ssl::verify_peer);
  if (ca_file.empty()) {
    impl_->tls.set_default_verify_paths(ec);
  } else {
    impl_->tls.load_verify_file(ca_file, ec);
  }
  if (ec) {
    throw std::runtime_error(
        (ca_file.empty()
             ? std::string("cannot load the system's trusted "
                           "certificates")
             : "cannot load the certificates in ca_file '" + ca_file + "'") +
        ": " + ec.message());
  }
}

HttpPoster::~HttpPoster() = default;

HttpResponse HttpPoster::post(
    const Url& url, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::chrono::milliseconds connect_timeout,
    std::chrono::milliseconds request_timeout) {
  asio::io_context io;
  const std::string origin = url.origin();
  const auto connect_deadline =
      std::chrono::steady_clock::now() + connect_timeout;

  // Name resolution is the system resolver's (getaddrinfo), bounded by its
  // own timeouts (resolv.conf), not by connect_timeout.
  tcp::resolver resolver(io);
  error_code ec;
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) throw failure("cannot resolve '" + url.host + "'", ec);

  beast::ssl_stream<beast::tcp_stream> stream(io, impl_->tls);
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_at(connect_deadline);
  ec = run_one(io, [&](auto handler) {
    tcp_layer.async_connect(endpoints, std::move(handler));
  });
  if (ec) throw failure("cannot connect to " + origin, ec);

  if (url.tls) {
    SSL* ssl = stream.native_handle();
    // SNI is for names only; the certificate must name the URL's host (or
    // carry its address, for a URL with an IP address).
    if (is_ip_address(url.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, url.host.c_str());
      SSL_set1_host(ssl, url.host.c_str());
    }
    ec = run_one(io, [&](auto handler) {
      stream.async_handshake(asio::ssl::stream_base::client,
                             std::move(handler));
    });
    if (ec) throw failure("TLS handshake with " + origin + " failed", ec);
  }

  http::request<http::string_body> request{http::verb::post, url.target, 11};
  const bool v6 = url.host.find(':') != std::string::npos;
  const bool default_port = url.port == (url.tls ? "443" : "80");
  request.set(http::field::host, (v6 ? "[" + url.host + "]" : url.host) +
                                     (default_port ? "" : ":" + url.port));
  request.set(http::field::user_agent, "eventhost-webhook/1.0");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();

  tcp_layer.expires_after(request_timeout);
  auto write = [&](auto& s) {
    return run_one(io, [&](auto handler) {
      http::async_write(s, request, std::move(handler));
    });
  };
  ec = url.tls ? write(stream) : write(tcp_layer);
  if (ec) throw failure("sending the request to " + origin + " failed", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  // No limit while the header is read: its status is the answer, whatever
  // the body's size. (Not boost::none: Boost 1.74 compares the length
  // against the empty optional and reports every body as over the limit.)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  auto read_header = [&](auto& s) {
    return run_one(io, [&](auto handler) {
      http::async_read_header(s, buffer, parser, std::move(handler));
    });
  };
  ec = url.tls ? read_header(stream) : read_header(tcp_layer);
  if (ec) {
    throw failure("no HTTP answer from " + origin + " within " +
                      std::to_string(request_timeout.count()) + " ms",
                  ec);
  }
  HttpResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.reason = std::string(parser.get().reason());
  // The status is the answer; the body only explains a failure, so one
  // that is cut short or never ends does not change the outcome.
  auto read_body = [&](auto& s) {
    return run_one(io, [&](auto handler) {
      http::async_read(s, buffer, parser, std::move(handler));
    });
  };
  if (!parser.is_done()) {
    parser.body_limit(kBodyLimit);
    ec = url.tls ? read_body(stream) : read_body(tcp_layer);
  }
  response.body = parser.get().body().substr(0, kBodyLimit);
  tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ec);
  return response;
}

}  // namespace webhook
