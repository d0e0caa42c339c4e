// HttpRequest / HttpResponse -- one HTTP exchange as plain values, so that
// the code deciding what to answer (api/) never sees Boost.Beast; only
// http_server.cpp and http_client.cpp do.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace eventhost {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/api/plugins?x=1"
  std::string body;
  // Lower-case header names ("content-type", "authorization").
  std::map<std::string, std::string> headers;
  // True for requests on the control socket: its 0600 mode already limits
  // it to the daemon's user, so no token is asked for.
  bool trusted = false;

  // The header's value, or "" if absent. `name` is lower-case.
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The target without its query string.
  std::string path() const { return target.substr(0, target.find('?')); }
  // The decoded value of query parameter `name`, or "" if absent.
  std::string query(const std::string& name) const;
  // Where a live-stream client resumes: the id in its Last-Event-ID
  // header, else in the last_event_id query parameter. nullopt when
  // neither holds a decimal event id (digits only, at most 2^64 - 1): such
  // a client is not resuming one of our ids and starts from now.
  std::optional<std::uint64_t> last_event_id() const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers
};

// Percent-decodes a query component ('+' is a space).
std::string url_decode(const std::string& text);

}  // namespace eventhost
