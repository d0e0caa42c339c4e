// HttpPoster -- one HTTP(S) POST at a time, with a connect and a request
// time budget. The only file of the plugin that compiles Boost.Beast and
// Boost.Asio (they are slow to build), hence the pimpl.
//
// Each post opens a connection, sends one request and reads one response,
// then closes: webhooks are rare enough that keeping connections alive is
// not worth the stale-connection cases it brings. https goes through
// OpenSSL with the peer's certificate verified against the system's
// trust store (or `ca_file`) and its name checked against the URL's host.
//
// Thread-safety: one post at a time per HttpPoster (the plugin's calls are
// serialized). Errors: the constructor throws std::runtime_error if
// `ca_file` cannot be loaded; post() throws std::runtime_error saying what
// failed (name resolution, connect, TLS, timeout, a response that is not
// HTTP); an HTTP status of any kind is a response, not an exception.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace webhook {

struct Url {
  bool tls = false;
  std::string host;    // a name, an IPv4 address, or an IPv6 one without []
  std::string port;    // digits; 80 or 443 when the URL gives none
  std::string target;  // path and query, at least "/"
  // scheme://host[:port] with no path: the path of a chat webhook URL is
  // its secret, so messages and logs show only this.
  std::string origin() const;
};

// Parses an http:// or https:// URL; throws std::invalid_argument saying
// what is wrong with it.
Url parse_url(const std::string& text);

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string body;  // at most the first 64 KiB
};

class HttpPoster {
 public:
  // `ca_file`: PEM certificates to trust for https instead of the system's
  // store; "" = the system's.
  explicit HttpPoster(const std::string& ca_file);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  HttpResponse post(
      const Url& url, const std::string& body,
      const std::vector<std::pair<std::string, std::string>>& headers,
      std::chrono::milliseconds connect_timeout,
      std::chrono::milliseconds request_timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace webhook
