#include "http_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace eventhost::test {
namespace {

constexpr int kPollMs = 50;
constexpr std::size_t kMaxRequestBytes = 1 << 20;

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t");
  const std::size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

const char* reason_of(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

SSL_CTX* make_tls(const TlsFiles& tls) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  BIO* cert_bio = BIO_new_mem_buf(tls.cert_pem.data(),
                                  static_cast<int>(tls.cert_pem.size()));
  BIO* key_bio =
      BIO_new_mem_buf(tls.key_pem.data(), static_cast<int>(tls.key_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  const bool ok = ctx != nullptr && cert != nullptr && key != nullptr &&
                  SSL_CTX_use_certificate(ctx, cert) == 1 &&
                  SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  if (!ok) {
    SSL_CTX_free(ctx);
    throw std::runtime_error("HttpReceiver: unusable TLS certificate or key");
  }
  return ctx;
}

// The connection's bytes, plain or through TLS.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Waits for data while `keep_going` says so; 0 at EOF or on an error.
  template <class KeepGoing>
  long read(char* buf, std::size_t n, KeepGoing keep_going) {
    while (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
      if (!keep_going()) return 0;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, kPollMs) > 0) break;
    }
    if (ssl_ != nullptr) return SSL_read(ssl_, buf, static_cast<int>(n));
    return ::recv(fd_, buf, n, 0);
  }
  void write(const std::string& data) {
    if (ssl_ != nullptr) {
      SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    } else {
      ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    }
  }

 private:
  int fd_;
  SSL* ssl_;
};

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpReceiver::HttpReceiver(std::vector<ScriptedResponse> script, TlsFiles tls)
    : script_(script.begin(), script.end()) {
  if (!tls.cert_pem.empty()) tls_ = make_tls(tls);
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (listener_ < 0 ||
      ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error(std::string("HttpReceiver: cannot listen: ") +
                             std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HttpReceiver::~HttpReceiver() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  thread_.join();
  ::close(listener_);
  SSL_CTX_free(static_cast<SSL_CTX*>(tls_));
}

std::string HttpReceiver::url(const std::string& path) const {
  return std::string(tls_ != nullptr ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<HttpRequest> HttpReceiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool HttpReceiver::wait_for(std::size_t n,
                            std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] { return requests_.size() >= n; });
}

int HttpReceiver::failed_handshakes() const {
  std::lock_guard lock(mutex_);
  return failed_handshakes_;
}

bool HttpReceiver::wait_for_failed_handshakes(
    int n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit,
                           [&] { return failed_handshakes_ >= n; });
}

void HttpReceiver::serve() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void HttpReceiver::handle(int fd) {
  auto keep_going = [this] {
    std::lock_guard lock(mutex_);
    return !stop_;
  };
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    ssl = SSL_new(static_cast<SSL_CTX*>(tls_));
    SSL_set_fd(ssl, fd);
    timeval limit{5, 0};  // a client that never finishes the handshake
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (SSL_accept(ssl) != 1) {
      ERR_clear_error();
      SSL_free(ssl);
      {
        std::lock_guard lock(mutex_);
        ++failed_handshakes_;
      }
      changed_.notify_all();
      return;
    }
  }
  Conn conn(fd, ssl);
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const long n = conn.read(buf, sizeof buf, keep_going);
    if (n <= 0 || data.size() > kMaxRequestBytes) {
      SSL_free(ssl);
      return;
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  HttpRequest request;
  std::size_t line_start = 0;
  bool first = true;
  while (line_start < header_end) {
    std::size_t line_end = data.find("\r\n", line_start);
    const std::string line = data.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    if (first) {
      const std::size_t sp1 = line.find(' ');
      const std::size_t sp2 = line.find(' ', sp1 + 1);
      request.method = line.substr(0, sp1);
      request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      first = false;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      request.headers[lower(line.substr(0, colon))] =
          trim(line.substr(colon + 1));
    }
  }
  const std::size_t length = std::stoul("0" + request.header("content-length"));
  request.body = data.substr(header_end + 4);
  while (request.body.size() < length) {
    const long n = conn.read(buf, sizeof buf, keep_going);
    if (n <= 0) break;
    request.body.append(buf, static_cast<std::size_t>(n));
  }
  ScriptedResponse response;
  {
    std::lock_guard lock(mutex_);
    if (!script_.empty()) {
      response = script_.front();
      script_.pop_front();
    }
    requests_.push_back(request);
  }
  changed_.notify_all();
  if (response.hang) {
    // Never answer: wait until the client hangs up or the test ends.
    while (conn.read(buf, sizeof buf, keep_going) > 0) {
    }
  } else {
    conn.write("HTTP/1.1 " + std::to_string(response.status) + " " +
               reason_of(response.status) +
               "\r\nContent-Type: text/plain\r\nContent-Length: " +
               std::to_string(response.body.size()) +
               "\r\nConnection: close\r\n\r\n" + response.body);
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
}

}  // namespace eventhost::test
