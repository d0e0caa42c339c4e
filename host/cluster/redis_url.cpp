#include "cluster/redis_url.h"

#include <cctype>

#include "common/error.h"

namespace eventhost::cluster {
namespace {

constexpr const char* kForm =
    "use redis://[user[:password]@]host:port[/db], e.g. "
    "redis://127.0.0.1:6379/0 or redis://:secret@10.0.0.5:6379";

[[noreturn]] void bad(const std::string& url, const std::string& what) {
  throw Error(ErrorKind::kUsage,
              "invalid cluster URL '" + url + "': " + what + "; " + kForm);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& url, const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) bad(url, "a % must be followed by two hex digits");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string RedisEndpoint::display() const {
  std::string auth;
  if (!user.empty() || !password.empty()) {
    auth = user + (password.empty() ? "" : ":***") + "@";
  }
  const bool v6 = host.find(':') != std::string::npos;
  return "redis://" + auth + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + "/" + std::to_string(db);
}

RedisEndpoint parse_redis_url(const std::string& url) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) bad(url, "it must start with redis://");
  std::string rest = url.substr(scheme.size());
  RedisEndpoint ep;
  const auto at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = auth.find(':');
    ep.user = percent_decode(url, auth.substr(0, colon));
    if (colon != std::string::npos) {
      ep.password = percent_decode(url, auth.substr(colon + 1));
    }
    if (ep.password.empty()) {
      bad(url,
          "a user needs a password (user:password@), or give the "
          "password alone (:password@)");
    }
  }
  std::string db_text;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    db_text = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) bad(url, "an IPv6 host needs its ]");
    ep.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') bad(url, "expected :port after the host");
      port_text = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.find(':');
    ep.host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) bad(url, "the host is missing");
  if (!port_text.empty()) {
    if (!all_digits(port_text) || port_text.size() > 5 ||
        std::stoul(port_text) == 0 || std::stoul(port_text) > 65535) {
      bad(url, "the port '" + port_text + "' is not a number from 1 to 65535");
    }
    ep.port = static_cast<std::uint16_t>(std::stoul(port_text));
  }
  if (!db_text.empty()) {
    if (!all_digits(db_text) || db_text.size() > 5) {
      bad(url, "the database '" + db_text + "' is not a number");
    }
    ep.db = std::stoi(db_text);
  }
  return ep;
}

}  // namespace eventhost::cluster
