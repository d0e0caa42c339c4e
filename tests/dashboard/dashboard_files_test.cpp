// The dashboard's files as the daemon serves them: every file of
// host/dashboard/web compiled in, byte for byte; the first load under
// 200 KB; ETags and 304s; and the page confined to its own origin.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "dashboard/dashboard.h"

using namespace eventhost;
namespace fs = std::filesystem;

namespace {

const fs::path kWeb = fs::path(EH_SOURCE_DIR) / "host" / "dashboard" / "web";

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

HttpRequest get(const std::string& target) {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  return r;
}

}  // namespace

TEST_CASE("every file of host/dashboard/web is compiled in, byte for byte") {
  std::set<std::string> served;
  for (const DashboardFile& f : dashboard_files()) served.insert(f.path);
  std::size_t on_disk = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kWeb)) {
    if (!entry.is_regular_file()) continue;
    ++on_disk;
    const std::string path =
        "/" + fs::relative(entry.path(), kWeb).generic_string();
    INFO(path << " is not listed in host/dashboard/CMakeLists.txt");
    REQUIRE(served.count(path) == 1);
    const auto answer = serve_dashboard(get(path));
    REQUIRE(answer);
    CHECK(answer->body == read(entry.path()));
  }
  CHECK(on_disk == dashboard_files().size());
}

TEST_CASE("the dashboard's first load stays under 200 KB") {
  // Every module is imported from app.js at start, so the first load is
  // all of the files.
  std::size_t total = 0;
  for (const DashboardFile& f : dashboard_files()) total += f.body.size();
  INFO("the dashboard's files add up to " << total << " bytes");
  CHECK(total < 200 * 1024);
}

TEST_CASE("/ is the page, with an ETag; a matching If-None-Match gets 304") {
  const auto page = serve_dashboard(get("/"));
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->content_type == "text/html; charset=utf-8");
  CHECK_THAT(page->body, Catch::Contains("<script type=\"module\""));
  const std::string etag = page->headers.at("ETag");
  CHECK(etag.size() == 34);
  CHECK(page->headers.at("Cache-Control") == "no-cache");

  HttpRequest again = get("/index.html");
  again.headers["if-none-match"] = etag;
  const auto cached = serve_dashboard(again);
  REQUIRE(cached);
  CHECK(cached->status == 304);
  CHECK(cached->body.empty());
  CHECK(cached->headers.at("ETag") == etag);

  again.headers["if-none-match"] = "\"something else\"";
  CHECK(serve_dashboard(again)->status == 200);

  std::set<std::string> tags;
  for (const DashboardFile& f : dashboard_files()) tags.insert(f.etag);
  CHECK(tags.size() == dashboard_files().size());
}

TEST_CASE(
    "the page may load only its own files and talk only to its own "
    "origin") {
  const auto page = serve_dashboard(get("/"));
  REQUIRE(page);
  const std::string csp = page->headers.at("Content-Security-Policy");
  CHECK_THAT(csp, Catch::Contains("default-src 'self'"));
  CHECK_THAT(csp, Catch::Contains("script-src 'self'"));
  CHECK_THAT(csp, Catch::Contains("frame-ancestors 'none'"));
  CHECK(page->headers.at("X-Content-Type-Options") == "nosniff");
  const auto script = serve_dashboard(get("/js/app.js"));
  REQUIRE(script);
  CHECK(script->content_type == "text/javascript; charset=utf-8");
}

TEST_CASE("anything but GET of a dashboard file is left to the API") {
  CHECK_FALSE(serve_dashboard(get("/api/plugins")));
  CHECK_FALSE(serve_dashboard(get("/healthz")));
  CHECK_FALSE(serve_dashboard(get("/js/missing.js")));
  HttpRequest post = get("/");
  post.method = "POST";
  CHECK_FALSE(serve_dashboard(post));
  // The query does not matter.
  CHECK(serve_dashboard(get("/app.css?v=2")));
}
