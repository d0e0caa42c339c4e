// parse_url and Url::origin (declared in http_post.hpp), kept out of the
// Beast translation unit so that the checks build fast and alone.
#include <stdexcept>

#include "http_post.hpp"

namespace webhook {
namespace {

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string Url::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  const bool default_port = port == (tls ? "443" : "80");
  return std::string(tls ? "https://" : "http://") +
         (v6 ? "[" + host + "]" : host) + (default_port ? "" : ":" + port);
}

Url parse_url(const std::string& text) {
  for (unsigned char c : text) {
    if (c <= ' ' || c == 0x7f) {
      throw std::invalid_argument(
          "the URL has a space or a control character; percent-encode it "
          "(%20)");
    }
  }
  Url url;
  std::size_t rest = 0;
  if (text.rfind("https://", 0) == 0) {
    url.tls = true;
    rest = 8;
  } else if (text.rfind("http://", 0) == 0) {
    rest = 7;
  } else {
    throw std::invalid_argument(
        "the URL must start with https:// or http://, e.g. "
        "https://discord.com/api/webhooks/ID/TOKEN");
  }
  const std::size_t path = text.find_first_of("/?#", rest);
  std::string authority = text.substr(
      rest, path == std::string::npos ? std::string::npos : path - rest);
  if (authority.find('@') != std::string::npos) {
    throw std::invalid_argument(
        "user:password@ in the URL is not supported; send credentials in a "
        "header instead, e.g. headers='{\"Authorization\": \"Bearer ...\"}'");
  }
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) {
      throw std::invalid_argument("the IPv6 address in the URL has no ']'");
    }
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        throw std::invalid_argument(
            "unexpected text after the ']' of the "
            "IPv6 address in the URL");
      }
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) {
    throw std::invalid_argument("the URL has no host name");
  }
  if (port.empty()) {
    url.port = url.tls ? "443" : "80";
  } else if (!all_digits(port) || port.size() > 5 || std::stoi(port) < 1 ||
             std::stoi(port) > 65535) {
    throw std::invalid_argument("the URL's port '" + port +
                                "' is not a number from 1 to 65535");
  } else {
    url.port = std::to_string(std::stoi(port));
  }
  std::string target =
      path == std::string::npos ? std::string("/") : text.substr(path);
  // The fragment is for browsers and is never sent.
  const std::size_t hash = target.find('#');
  if (hash != std::string::npos) target.erase(hash);
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  url.target = target;
  return url;
}

}  // namespace webhook
