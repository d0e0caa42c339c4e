// What the dashboard stands on, over HTTP with curl (the browser tests in
// tests/dashboard drive the page itself): the page served at "/", signing
// in with the start-up link's code or the token, the CSRF rule, the time
// series and the settings errors that name their field.
#include "daemon_test_support.h"
#include "eventhost/version.h"

using namespace eventhost::test;

namespace {

struct SignedIn {
  std::string cookie;  // "eventhost_session=..."
  std::string csrf;
  std::string set_cookie;  // the whole Set-Cookie value
};

std::string header_value(const std::string& headers, const std::string& name) {
  std::istringstream in(headers);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > name.size() + 1 &&
        strncasecmp(line.c_str(), (name + ":").c_str(), name.size() + 1) == 0) {
      std::string value = line.substr(name.size() + 1);
      value.erase(0, value.find_first_not_of(' '));
      value.erase(value.find_last_not_of("\r\n ") + 1);
      return value;
    }
  }
  return "";
}

// POST /api/session with `body`; the reply, and the session if it opened.
HttpReply sign_in(const CliSandbox& sandbox, const DaemonProcess& daemon,
                  const std::string& body, SignedIn* out) {
  const fs::path headers = sandbox.root() / "sign-in.headers";
  const HttpReply reply =
      DaemonProcess::curl({"-D", headers.string(), "-X", "POST", "-H",
                           "Content-Type: application/json", "--data", body,
                           daemon.url("/api/session")});
  if (reply.status == 200) {
    out->set_cookie = header_value(read_text(headers), "Set-Cookie");
    out->cookie = out->set_cookie.substr(0, out->set_cookie.find(';'));
    out->csrf = parse(reply)["csrf_token"].get<std::string>();
  }
  return reply;
}

std::string login_code(const DaemonProcess& daemon) {
  std::string code;
  REQUIRE(wait_until([&] {
    // The match points into `log`: read it while `log` is alive.
    static const std::regex link("/#login=([0-9a-f]+)");
    const std::string log = daemon.log();
    std::smatch found;
    if (std::regex_search(log, found, link)) code = found[1];
    return !code.empty();
  }));
  return code;
}

bool enabled(const CliSandbox& sandbox, const std::string& key) {
  const json list = json::parse(sandbox.run({"plugins", "list", "--json"}).out);
  for (const json& p : list) {
    if (p["key"] == key) return p["enabled"].get<bool>();
  }
  return false;
}

}  // namespace

TEST_CASE(
    "the daemon serves the dashboard at / with an ETag and logs a one-time "
    "sign-in link, never the token") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const std::string code = login_code(daemon);
  CHECK(code.size() == 32);
  CHECK_THAT(daemon.log(), Catch::Contains(daemon.url("/#login=" + code)));
  CHECK(daemon.log().find(daemon.token()) == std::string::npos);

  const fs::path headers = sandbox.root() / "page.headers";
  const HttpReply page =
      DaemonProcess::curl({"-D", headers.string(), daemon.url("/")});
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("/js/app.js"));
  const std::string etag = header_value(read_text(headers), "ETag");
  CHECK(etag.size() == 34);
  CHECK(header_value(read_text(headers), "Content-Security-Policy")
            .find("default-src 'self'") != std::string::npos);
  const HttpReply cached = DaemonProcess::curl(
      {"-H", "If-None-Match: " + etag, daemon.url("/index.html")});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
  CHECK(daemon.get("/js/views/plugins.js").status == 200);
  // The API's paths stay the API's.
  CHECK(daemon.get("/api/nothing").status == 404);
}

TEST_CASE(
    "a session opened with the link's code makes changes only with its CSRF "
    "token, and the code works once") {
  CliSandbox sandbox;
  sandbox.add_plugin("login_guard.so");
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const std::string code = login_code(daemon);

  SignedIn session;
  REQUIRE(
      sign_in(sandbox, daemon, json{{"code", code}}.dump(), &session).status ==
      200);
  CHECK_THAT(session.set_cookie, Catch::StartsWith("eventhost_session=") &&
                                     Catch::Contains("HttpOnly") &&
                                     Catch::Contains("SameSite=Strict") &&
                                     Catch::Contains("Path=/"));
  CHECK(session.csrf.size() == 64);
  SignedIn again;
  const HttpReply spent =
      sign_in(sandbox, daemon, json{{"code", code}}.dump(), &again);
  CHECK(spent.status == 401);
  CHECK_THAT(parse(spent)["error"].get<std::string>(),
             Catch::Contains("has been used"));

  const std::string enable = "/api/plugins/login_guard/enable";
  const HttpReply no_csrf =
      daemon.send_with("POST", enable, "", {"Cookie: " + session.cookie});
  CHECK(no_csrf.status == 403);
  CHECK_THAT(parse(no_csrf)["error"].get<std::string>(),
             Catch::Contains("X-CSRF-Token"));
  CHECK(daemon
            .send_with("POST", enable, "",
                       {"Cookie: " + session.cookie,
                        "X-CSRF-Token: " + std::string(session.csrf.rbegin(),
                                                       session.csrf.rend())})
            .status == 403);
  CHECK(daemon.send_with("POST", enable, "", {"X-CSRF-Token: " + session.csrf})
            .status == 401);
  CHECK_FALSE(enabled(sandbox, "login_guard"));

  const std::vector<std::string> both = {"Cookie: " + session.cookie,
                                         "X-CSRF-Token: " + session.csrf};
  CHECK(daemon.send_with("POST", enable, "", both).status == 200);
  CHECK(enabled(sandbox, "login_guard"));

  // A reloaded page gets its CSRF token back from the cookie alone.
  const HttpReply who = DaemonProcess::curl(
      {"-H", "Cookie: " + session.cookie, daemon.url("/api/session")});
  CHECK(parse(who)["signed_in"] == true);
  CHECK(parse(who)["csrf_token"] == session.csrf);

  // Signed out, the cookie is worth nothing.
  CHECK(daemon.send_with("DELETE", "/api/session", "", both).status == 200);
  CHECK(daemon.send_with("POST", "/api/plugins/login_guard/disable", "", both)
            .status == 401);
  CHECK(enabled(sandbox, "login_guard"));
  CHECK(parse(DaemonProcess::curl({"-H", "Cookie: " + session.cookie,
                                   daemon.url("/api/session")}))["signed_in"] ==
        false);
}

TEST_CASE(
    "signing in with a wrong token is refused and says where the token "
    "is") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  SignedIn session;
  const HttpReply wrong =
      sign_in(sandbox, daemon, json{{"token", "guess"}}.dump(), &session);
  CHECK(wrong.status == 401);
  CHECK_THAT(parse(wrong)["error"].get<std::string>(),
             Catch::Contains("token file"));
  CHECK(sign_in(sandbox, daemon, "{}", &session).status == 400);
  REQUIRE(
      sign_in(sandbox, daemon, json{{"token", daemon.token()}}.dump(), &session)
          .status == 200);
  CHECK_FALSE(session.cookie.empty());
  CHECK(daemon.log().find(session.cookie.substr(18)) == std::string::npos);
}

TEST_CASE("a dashboard session ends after --session-idle-ms without a change") {
  CliSandbox sandbox;
  sandbox.add_plugin("login_guard.so");
  DaemonProcess daemon(sandbox, {"--session-idle-ms", "500"});
  REQUIRE(daemon.ready());
  SignedIn session;
  REQUIRE(
      sign_in(sandbox, daemon, json{{"token", daemon.token()}}.dump(), &session)
          .status == 200);
  // Asking whether the cookie is signed in is not activity, so this waits
  // for the idle limit to pass without holding the session open.
  REQUIRE(wait_until([&] {
    return parse(DaemonProcess::curl(
               {"-H", "Cookie: " + session.cookie,
                daemon.url("/api/session")}))["signed_in"] == false;
  }));
  const HttpReply late = daemon.send_with(
      "POST", "/api/plugins/login_guard/enable", "",
      {"Cookie: " + session.cookie, "X-CSRF-Token: " + session.csrf});
  CHECK(late.status == 401);
  CHECK_THAT(parse(late)["error"].get<std::string>(),
             Catch::Contains("sign in again"));
  CHECK_FALSE(enabled(sandbox, "login_guard"));
}

TEST_CASE(
    "GET /api/series counts each plugin's deliveries a second by "
    "outcome, with their duration") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(daemon.send("POST", "/api/events", channel_event(i)).status == 200);
  }
  const auto total_ok = [](const json& series) {
    long sum = 0;
    for (const json& v : series["deliveries"]["ok"]) {
      if (v.is_number()) sum += v.get<long>();
    }
    return sum;
  };
  json plugin;
  REQUIRE(wait_until([&] {
    plugin = parse(daemon.get("/api/series?plugin=recorder"));
    return total_ok(plugin) >= 5;
  }));
  CHECK(total_ok(plugin) == 5);
  bool timed = false;
  for (const json& v : plugin["p50_ms"]) timed = timed || v.is_number();
  CHECK(timed);
  const json all = parse(daemon.get("/api/series"));
  CHECK(total_ok(all) >= 5);  // system.* events may reach it too
  long emitted = 0;
  for (const json& v : all["emitted"]) {
    if (v.is_number()) emitted += v.get<long>();
  }
  CHECK(emitted >= 5);
  const json newer = parse(daemon.get(
      "/api/series?since=" + std::to_string(all["last_s"].get<long>())));
  CHECK(newer["emitted"].size() <= 2);
  CHECK(daemon.get("/api/series?plugin=nobody").status == 404);
  CHECK(daemon.get("/api/series?since=yesterday").status == 400);
}

TEST_CASE("a plugin's recent failures are listed, newest first") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.root() / "recorded.txt";
  REQUIRE(sandbox
              .run({"plugins", "configure", "recorder",
                    "path=" + record.string(), "fail_first=2"})
              .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  DaemonProcess daemon(sandbox, {"--retry-attempts", "1"});
  REQUIRE(daemon.ready());
  std::vector<long> ids;
  for (int i = 0; i < 2; ++i) {
    ids.push_back(
        parse(daemon.send("POST", "/api/events", channel_event(i)))["id"]
            .get<long>());
  }
  json failures;
  REQUIRE(wait_until([&] {
    failures = parse(daemon.get("/api/failures?plugin=recorder"))["failures"];
    return failures.size() == 2;
  }));
  CHECK(failures[0]["event_id"] == ids[1]);
  CHECK(failures[1]["event_id"] == ids[0]);
  CHECK(failures[0]["outcome"] == "error");
  CHECK_THAT(failures[0]["message"].get<std::string>(),
             Catch::Contains("fail_first"));
  CHECK(daemon.get("/api/failures").status == 400);
}

TEST_CASE("a refused setting names its field, and changes nothing") {
  CliSandbox sandbox;
  sandbox.add_plugin("login_guard.so");
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const std::string path = "/api/plugins/login_guard/settings";
  const HttpReply bad = daemon.send(
      "PUT", path, R"({"max_attempts": "lots", "window_seconds": 60})");
  CHECK(bad.status == 400);
  CHECK(parse(bad)["fields"] == json::array({"max_attempts"}));
  CHECK_THAT(parse(bad)["error"].get<std::string>(), Catch::Contains("number"));
  const HttpReply unknown = daemon.send("PUT", path, R"({"colour": "red"})");
  CHECK(unknown.status == 404);
  CHECK(parse(unknown)["fields"] == json::array({"colour"}));
  const json settings = parse(daemon.get(path));
  CHECK(settings["max_attempts"] == 5);
  CHECK(settings["window_seconds"] == 300);
}

TEST_CASE(
    "GET /api/host names the plugin the last unclean shutdown happened in") {
  CliSandbox sandbox;
  sandbox.add_plugin("segfaulter.so");
  REQUIRE(sandbox
              .run({"plugins", "configure", "segfaulter", "crash_every=1",
                    "--isolation", "thread"})
              .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "segfaulter"}).status == 0);
  {
    DaemonProcess daemon(sandbox);
    REQUIRE(daemon.ready());
    CHECK(parse(daemon.get("/api/host"))["unclean_shutdown"].is_null());
    daemon.send("POST", "/api/events", channel_event(1));  // kills it
    CHECK(daemon.stop(SIGTERM) != 0);
  }
  DaemonProcess again(sandbox, {"--safe-mode"});
  REQUIRE(again.ready());
  const json host = parse(again.get("/api/host"));
  CHECK(host["version"] == eventhost::kHostVersion);
  CHECK(host["started_at_us"].get<long>() > 0);
  CHECK_THAT(
      host["unclean_shutdown"].get<std::string>(),
      Catch::Contains("segfaulter") && Catch::Contains("channel.created"));
}
