#include "dashboard/dashboard.h"

#include <openssl/sha.h>

#include "dashboard/dashboard_files.h"

namespace eventhost {
namespace {

std::string content_type_of(std::string_view path) {
  const auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// The first 16 bytes of the body's SHA-256, as a quoted hex ETag.
std::string etag_of(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(),
         digest);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int i = 0; i < 16; ++i) {
    tag += kDigits[digest[i] >> 4];
    tag += kDigits[digest[i] & 15];
  }
  return tag + "\"";
}

// Whether an If-None-Match header names `etag` ("*", or a list of tags,
// weak ones included).
bool matches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.find('*') != std::string::npos) return true;
  return if_none_match.find(etag) != std::string::npos;
}

// The page's own files and origin only: no inline script, no other site,
// never inside a frame.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace

const std::vector<DashboardFile>& dashboard_files() {
  static const std::vector<DashboardFile> files = [] {
    std::vector<DashboardFile> out;
    for (const EmbeddedFile& f : embedded_dashboard_files()) {
      const std::string_view body(f.bytes, *f.size);
      out.push_back({f.path, content_type_of(f.path), body, etag_of(body)});
    }
    return out;
  }();
  return files;
}

std::optional<HttpResponse> serve_dashboard(const HttpRequest& request) {
  if (request.method != "GET") return std::nullopt;
  std::string path = request.path();
  if (path == "/") path = "/index.html";
  for (const DashboardFile& file : dashboard_files()) {
    if (file.path != path) continue;
    HttpResponse res;
    res.content_type = file.content_type;
    res.headers["ETag"] = file.etag;
    res.headers["Cache-Control"] = "no-cache";
    res.headers["X-Content-Type-Options"] = "nosniff";
    res.headers["Referrer-Policy"] = "no-referrer";
    res.headers["X-Frame-Options"] = "DENY";
    res.headers["Content-Security-Policy"] = kContentSecurityPolicy;
    if (matches(request.header("if-none-match"), file.etag)) {
      res.status = 304;
      return res;
    }
    res.body = std::string(file.body);
    return res;
  }
  return std::nullopt;
}

}  // namespace eventhost
