// HttpConnection -- a small blocking HTTP/1.1 client (Boost.Beast) for the
// CLI to talk to a running daemon over its control socket, and for tools
// that talk to its TCP address. Requests reuse one keep-alive connection.
//
// Thread-safety: one thread at a time per connection.
// Errors: connect_*() and send() throw Error(kIo) naming the peer and why
// when the connection fails or the peer hangs up; an HTTP error status is
// not an exception (it is in the returned response).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "http/http_message.h"

namespace eventhost {

class HttpConnection {
 public:
  // Connects to the Unix socket at `path`.
  static std::unique_ptr<HttpConnection> connect_unix(
      const std::filesystem::path& path);
  // Connects to `host`:`port` (an IP address).
  static std::unique_ptr<HttpConnection> connect_tcp(const std::string& host,
                                                     std::uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request and reads the whole response.
  HttpResponse send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {});

  struct Impl;

 private:
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventhost
