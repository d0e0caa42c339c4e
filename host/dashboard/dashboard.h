// The dashboard: the web page `eventhost run` serves at "/", for people
// who manage the host in a browser. Plain HTML, CSS and JavaScript modules
// kept in host/dashboard/web/ and compiled into the binary; the page works
// only through the HTTP API and the live stream, like any other client.
//
// serve_dashboard() answers GET for the page's files: "/" is index.html.
// Every answer has an ETag (a digest of the file) and "Cache-Control:
// no-cache", so a browser keeps the file and asks each time whether it
// changed (If-None-Match: 304, no body); and a Content-Security-Policy
// that lets the page load only its own files and talk only to its own
// origin.
//
// Thread-safety: any thread. Errors: none (not a dashboard file: nullopt).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace eventhost {

struct DashboardFile {
  std::string path;          // "/index.html"
  std::string content_type;  // "text/html; charset=utf-8"
  std::string_view body;
  std::string etag;  // quoted, e.g. "\"3f2a...\""
};

// Every file of the page, in the order they are listed in CMakeLists.txt.
const std::vector<DashboardFile>& dashboard_files();

// The answer for `request` if it asks for one of the files (GET), else
// nothing (the API answers it).
std::optional<HttpResponse> serve_dashboard(const HttpRequest& request);

}  // namespace eventhost
