#include "http/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <variant>

#include "common/error.h"

namespace eventhost {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

struct HttpConnection::Impl {
  asio::io_context io;
  std::variant<std::monostate, tcp::socket, unix_socket::socket> socket;
  boost::beast::flat_buffer buffer;
  std::string peer;
};

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

HttpConnection::~HttpConnection() = default;

std::unique_ptr<HttpConnection> HttpConnection::connect_unix(
    const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  impl->peer = path.string();
  auto& s = impl->socket.emplace<unix_socket::socket>(impl->io);
  error_code ec;
  s.connect(unix_socket::endpoint(path.string()), ec);
  if (ec) {
    throw Error(ErrorKind::kIo,
                "cannot connect to the daemon's control "
                "socket " +
                    path.string() + ": " + ec.message());
  }
  return std::unique_ptr<HttpConnection>(new HttpConnection(std::move(impl)));
}

std::unique_ptr<HttpConnection> HttpConnection::connect_tcp(
    const std::string& host, std::uint16_t port) {
  auto impl = std::make_unique<Impl>();
  impl->peer = host + ":" + std::to_string(port);
  auto& s = impl->socket.emplace<tcp::socket>(impl->io);
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) s.connect(tcp::endpoint(address, port), ec);
  if (ec) {
    throw Error(ErrorKind::kIo,
                "cannot connect to " + impl->peer + ": " + ec.message());
  }
  return std::unique_ptr<HttpConnection>(new HttpConnection(std::move(impl)));
}

HttpResponse HttpConnection::send(
    const std::string& method, const std::string& target,
    const std::string& body,
    const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req(http::string_to_verb(method), target,
                                       11);
  req.set(http::field::host, "eventhost");
  req.set(http::field::user_agent, "eventhost-cli");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(true);
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  error_code ec;
  std::visit(
      [&](auto& s) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(s)>,
                                      std::monostate>) {
          http::write(s, req, ec);
          if (!ec) http::read(s, impl_->buffer, parser, ec);
        }
      },
      impl_->socket);
  if (ec) {
    throw Error(ErrorKind::kIo, "the daemon at " + impl_->peer +
                                    " did not answer " + method + " " + target +
                                    ": " + ec.message());
  }
  const auto& msg = parser.get();
  HttpResponse res;
  res.status = msg.result_int();
  res.content_type = std::string(msg[http::field::content_type]);
  res.body = msg.body();
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    res.headers[name] = std::string(field.value());
  }
  return res;
}

}  // namespace eventhost
