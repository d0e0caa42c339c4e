// HttpReceiver -- a small HTTP/1.1 server on 127.0.0.1 for the webhook
// tests: it records every request it gets and answers each with the next
// scripted response (then 200 "ok" once the script is used up). With a
// certificate and key it speaks TLS (OpenSSL), so the plugin's https path
// is tested against a real handshake.
//
// One connection at a time, on a thread of its own, which is all a
// webhook (one request per connection, calls serialized) needs. A
// scripted response may be `hang`: the request is recorded and never
// answered, until the client gives up or the receiver stops.
//
// Thread-safety: every public method may be called from the test's thread
// while the server thread runs. Errors: the constructor throws
// std::runtime_error if it cannot listen or the TLS identity is unusable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace eventhost::test {

struct HttpRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& lower_name) const;
};

struct ScriptedResponse {
  int status = 200;
  std::string body = "ok";
  bool hang = false;
};

struct TlsFiles {
  std::string cert_pem, key_pem;  // PEM text; empty = plain HTTP
};

class HttpReceiver {
 public:
  explicit HttpReceiver(std::vector<ScriptedResponse> script = {},
                        TlsFiles tls = {});
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" followed by `path`.
  std::string url(const std::string& path = "/hook") const;

  std::vector<HttpRequest> requests() const;
  // Waits until at least `n` requests came, at most `limit`.
  bool wait_for(std::size_t n, std::chrono::milliseconds limit) const;
  // TLS handshakes that failed (e.g. the client refused the certificate),
  // and a wait until at least `n` did, at most `limit`.
  int failed_handshakes() const;
  bool wait_for_failed_handshakes(int n, std::chrono::milliseconds limit) const;

 private:
  void serve();
  void handle(int fd);

  int listener_ = -1;
  int port_ = 0;
  void* tls_ = nullptr;  // SSL_CTX*, kept out of this header
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<ScriptedResponse> script_;
  std::vector<HttpRequest> requests_;
  int failed_handshakes_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace eventhost::test
