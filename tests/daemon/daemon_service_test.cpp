// End-to-end tests of `eventhost run` as a service seen from outside: the
// system events around its life, events on stdin, where its settings come
// from, live configure, the modes of its secret files, what the API lists,
// and a crashing process-tier plugin inside it.
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "daemon_test_support.h"

namespace eventhost::test {
namespace {

// The lines of a JSON-lines file, parsed; a line that is not JSON fails.
std::vector<json> json_lines(const fs::path& file) {
  std::vector<json> lines;
  std::istringstream in(read_text(file));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    INFO("line: " << line);
    const json j = json::parse(line, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    lines.push_back(j);
  }
  return lines;
}

// A channel.created request body of exactly `size` bytes.
std::string event_of_size(std::size_t size) {
  const auto body = [](std::size_t pad) {
    return json{{"event", "channel.created"},
                {"data", {{"channel_name", std::string(pad, 'x')}}}}
        .dump();
  };
  const std::size_t bare = body(0).size();
  REQUIRE(size >= bare);
  const std::string text = body(size - bare);
  REQUIRE(text.size() == size);
  return text;
}

const json* find_by(const json& array, const std::string& field,
                    const std::string& value) {
  for (const json& item : array) {
    if (item.value(field, "") == value) return &item;
  }
  return nullptr;
}

// The first word of /proc/PID/cmdline, without its folder; "" if gone.
std::string program_of(pid_t pid) {
  const std::string cmdline =
      read_text("/proc/" + std::to_string(pid) + "/cmdline");
  const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
  return fs::path(argv0).filename().string();
}

// From /proc/PID/stat: the state letter and the parent; {'?', 0} if gone.
std::pair<char, pid_t> state_and_parent_of(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  // "pid (comm) S ppid ...": comm may hold anything, so go by the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {'?', 0};
  std::istringstream rest(stat.substr(close + 1));
  char state = '?';
  long parent = 0;
  rest >> state >> parent;
  return {state, static_cast<pid_t>(parent)};
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") == std::string::npos)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

bool is_live_worker(pid_t pid) {
  const char state = state_and_parent_of(pid).first;
  return state != '?' && state != 'Z' && program_of(pid) == "eventhost-worker";
}

// The eventhost-worker processes whose parent is `parent`.
std::set<pid_t> workers_of(pid_t parent) {
  std::set<pid_t> workers;
  for (pid_t pid : all_pids()) {
    if (state_and_parent_of(pid).second == parent && is_live_worker(pid))
      workers.insert(pid);
  }
  return workers;
}

// Live eventhost-worker processes started for this sandbox (they inherit
// the daemon's HOME), whoever their parent is now.
std::set<pid_t> workers_from(const CliSandbox& sandbox) {
  const std::string home = "HOME=" + (sandbox.root() / "home").string();
  std::set<pid_t> workers;
  for (pid_t pid : all_pids()) {
    if (!is_live_worker(pid)) continue;
    const std::string env =
        read_text("/proc/" + std::to_string(pid) + "/environ");
    std::istringstream in(env);
    for (std::string entry; std::getline(in, entry, '\0');) {
      if (entry == home) workers.insert(pid);
    }
  }
  return workers;
}

}  // namespace

TEST_CASE(
    "The daemon emits system.startup when it starts and system.shutdown "
    "when SIGTERM stops it") {
  CliSandbox sandbox;
  sandbox.add_plugin("audit_log.so");
  const fs::path audit = sandbox.root() / "audit.jsonl";
  REQUIRE(
      sandbox
          .run({"plugins", "configure", "audit_log", "path=" + audit.string()})
          .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "audit_log"}).status == 0);
  // That offline enable already told audit_log of plugin.enabled; start
  // the file afresh so that it holds only what the daemon delivered.
  fs::remove(audit);
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  REQUIRE(wait_until([&] {
    return read_text(audit).find("\"system.startup\"") != std::string::npos;
  }));
  const long sent =
      parse(daemon.send("POST", "/api/events", channel_event(7)))["id"];
  REQUIRE(wait_until([&] {
    return read_text(audit).find("\"channel.created\"") != std::string::npos;
  }));

  const int status = daemon.stop(SIGTERM);
  INFO(daemon.log());
  CHECK(status == 0);
  const std::vector<json> lines = json_lines(audit);
  INFO(read_text(audit));
  REQUIRE(lines.size() == 3);
  CHECK(lines.front()["event"] == "system.startup");
  CHECK(lines.front()["level"] == "SYSTEM");
  CHECK_FALSE(lines.front()["data"].value("version", "").empty());
  CHECK(lines[1]["event"] == "channel.created");
  CHECK(lines[1]["id"] == sent);
  CHECK(lines[1]["data"]["channel_id"] == 7);
  CHECK(lines.back()["event"] == "system.shutdown");
  CHECK(lines.back()["level"] == "SYSTEM");
  CHECK(lines.front()["id"].get<long>() < sent);
  CHECK(lines.back()["id"].get<long>() > sent);
}

TEST_CASE(
    "run --stdin delivers good NDJSON lines, reports a bad one by number on "
    "stderr and keeps serving") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox, {"--stdin"}, DaemonProcess::Stdin::kPipe);
  REQUIRE(daemon.ready());
  REQUIRE(daemon.write_stdin(channel_event(1) + "\n" + channel_event(2) + "\n" +
                             "{not json\n" + channel_event(3) + "\n"));
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 3;
  }));
  REQUIRE(wait_until([&] {
    return daemon.log().find("stdin line 3 rejected") != std::string::npos;
  }));
  INFO(daemon.log());
  CHECK_THAT(daemon.log(),
             Catch::Contains("stdin line 3 rejected: not valid JSON"));
  CHECK(count_lines_with(daemon.log(), "rejected") == 1);
  CHECK(daemon.out().find("rejected") == std::string::npos);
  CHECK(daemon.get("/healthz").status == 200);

  // Lines after the bad one, and the end of input, do not stop it either.
  REQUIRE(daemon.write_stdin(channel_event(4) + "\n"));
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 4;
  }));
  daemon.close_stdin();
  REQUIRE(wait_until(
      [&] { return daemon.log().find("stdin closed") != std::string::npos; }));
  CHECK_THAT(daemon.log(),
             Catch::Contains("after 5 lines: 4 events emitted, 1 lines "
                             "rejected"));
  CHECK(daemon.get("/healthz").status == 200);
  REQUIRE(daemon.send("POST", "/api/events", channel_event(5)).status == 200);
  CHECK(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 5;
  }));
  CHECK(daemon.stop(SIGTERM) == 0);
}

TEST_CASE(
    "A daemon setting comes from the flag, else the environment, else the "
    "config file") {
  CliSandbox sandbox;
  const fs::path config = sandbox.root() / "eventhost.conf";
  {
    std::ofstream out(config);
    out << "# max-body is seen from outside: larger requests get 413\n"
           "max-body = 200\n";
  }
  const auto accepts = [](const DaemonProcess& d, std::size_t size) {
    const HttpReply r = d.send("POST", "/api/events", event_of_size(size));
    INFO(size << " bytes: " << r.status << " " << r.body);
    REQUIRE((r.status == 200 || r.status == 413));
    return r.status == 200;
  };

  SECTION("the config file beats the default (1 MiB)") {
    DaemonProcess daemon(sandbox, {"--config", config.string()});
    REQUIRE(daemon.ready());
    CHECK(accepts(daemon, 150));
    CHECK_FALSE(accepts(daemon, 300));
    CHECK(daemon.stop() == 0);
  }
  SECTION("the environment beats the config file") {
    sandbox.set_env("EVENTHOST_MAX_BODY", "400");
    DaemonProcess daemon(sandbox, {"--config", config.string()});
    REQUIRE(daemon.ready());
    CHECK(accepts(daemon, 300));
    CHECK_FALSE(accepts(daemon, 600));
    CHECK(daemon.stop() == 0);
  }
  SECTION("the flag beats the environment and the config file") {
    sandbox.set_env("EVENTHOST_MAX_BODY", "400");
    DaemonProcess daemon(sandbox,
                         {"--config", config.string(), "--max-body", "800"});
    REQUIRE(daemon.ready());
    CHECK(accepts(daemon, 600));
    CHECK_FALSE(accepts(daemon, 1000));
    CHECK(daemon.stop() == 0);
  }
  SECTION("EVENTHOST_CONFIG names the config file too") {
    sandbox.set_env("EVENTHOST_CONFIG", config.string());
    DaemonProcess daemon(sandbox);
    REQUIRE(daemon.ready());
    CHECK(accepts(daemon, 150));
    CHECK_FALSE(accepts(daemon, 300));
    CHECK(daemon.stop() == 0);
  }
}

TEST_CASE(
    "plugins configure while the daemon runs calls the plugin's configure "
    "hook") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const long first =
      parse(daemon.send("POST", "/api/events", channel_event(1)))["id"];
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 1;
  }));

  const fs::path moved = world.sandbox.root() / "moved.txt";
  const CliRun configured = world.sandbox.run(
      {"plugins", "configure", "recorder", "path=" + moved.string()});
  INFO(configured.out << configured.err);
  REQUIRE(configured.status == 0);
  CHECK_THAT(configured.out, Catch::Contains(moved.string()));
  const long second =
      parse(daemon.send("POST", "/api/events", channel_event(2)))["id"];
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(moved), "channel.created") == 1;
  }));
  CHECK_THAT(read_text(moved), Catch::Contains(" " + std::to_string(second) +
                                               " channel.created"));
  // The old file got the first event and nothing after the change.
  std::this_thread::sleep_for(200ms);
  const std::string old_record = read_text(world.record);
  CHECK(count_lines_with(old_record, "channel.created") == 1);
  CHECK_THAT(old_record,
             Catch::Contains(" " + std::to_string(first) + " channel.created"));
  CHECK(parse(daemon.get("/api/plugins/recorder"))["settings"]["path"] ==
        moved.string());
}

TEST_CASE(
    "The control socket, the token file and daemon.json are created with "
    "mode 0600, "
    "even under umask 0") {
  CliSandbox sandbox;
  const mode_t umask_before = umask(0);
  DaemonProcess daemon(sandbox);
  umask(umask_before);
  REQUIRE(daemon.ready());
  const json info =
      json::parse(read_text(sandbox.state_file().string() + ".daemon.json"));
  const fs::path socket = sandbox.state_file().string() + ".sock";
  const fs::path token = sandbox.state_file().string() + ".token";
  CHECK(info["control_socket"] == socket.string());
  CHECK(info["token_file"] == token.string());

  struct stat st {};
  REQUIRE(::stat(socket.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  REQUIRE(::stat(token.c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_uid == ::getuid());
  const std::string info_file = sandbox.state_file().string() + ".daemon.json";
  REQUIRE(::stat(info_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE(
    "The API lists built-in and plugin-declared events, and the installed "
    "plugins with their enabled flags") {
  RecorderWorld world;
  world.sandbox.add_plugin("login_guard.so");
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());

  const HttpReply catalogue_reply = daemon.get("/api/events/catalogue");
  REQUIRE(catalogue_reply.status == 200);
  const json catalogue = parse(catalogue_reply);
  REQUIRE(catalogue.is_array());
  const json* created = find_by(catalogue, "name", "channel.created");
  REQUIRE(created != nullptr);
  CHECK((*created)["level"] == "FULL");
  CHECK((*created)["origin"] == "host");
  const auto fields = (*created)["fields"].get<std::vector<std::string>>();
  CHECK(std::count(fields.begin(), fields.end(), "channel_id") == 1);
  CHECK(std::count(fields.begin(), fields.end(), "channel_name") == 1);
  CHECK(find_by(catalogue, "name", "system.startup") != nullptr);
  const json* lockout =
      find_by(catalogue, "name", "login_guard.lockout_suggested");
  REQUIRE(lockout != nullptr);
  CHECK((*lockout)["origin"] == "login_guard");
  CHECK((*lockout)["level"] == "CRITICAL");
  CHECK((*lockout)["fields"] == json{"username", "attempts", "window_seconds"});

  const HttpReply plugins_reply = daemon.get("/api/plugins");
  REQUIRE(plugins_reply.status == 200);
  const json plugins = parse(plugins_reply);
  REQUIRE(plugins.is_array());
  CHECK(plugins.size() == 2);
  const json* recorder = find_by(plugins, "key", "recorder");
  const json* guard = find_by(plugins, "key", "login_guard");
  REQUIRE(recorder != nullptr);
  REQUIRE(guard != nullptr);
  CHECK((*recorder)["enabled"] == true);
  CHECK((*recorder)["live"]["loaded"] == true);
  CHECK((*guard)["enabled"] == false);
  CHECK((*guard)["live"]["loaded"] == false);

  // Enabling over HTTP shows in the same listing.
  REQUIRE(daemon.send("POST", "/api/plugins/login_guard/enable", "").status ==
          200);
  const json after = parse(daemon.get("/api/plugins"));
  REQUIRE(find_by(after, "key", "login_guard") != nullptr);
  CHECK((*find_by(after, "key", "login_guard"))["enabled"] == true);
  CHECK((*find_by(after, "key", "login_guard"))["live"]["loaded"] == true);
}

TEST_CASE(
    "A process-tier plugin that segfaults does not take the daemon down, "
    "and SIGTERM leaves no worker behind") {
  RecorderWorld world;
  world.sandbox.add_plugin("segfaulter.so");
  REQUIRE(world.sandbox.run({"plugins", "enable", "segfaulter"}).status == 0);
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  std::set<pid_t> seen = workers_of(daemon.pid());
  REQUIRE(seen.size() == 1);  // the segfaulter's; the recorder is in-process

  for (int i = 1; i <= 9; ++i) {
    REQUIRE(daemon.send("POST", "/api/events", channel_event(i)).status == 200);
  }
  CHECK(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 9;
  }));
  const auto segfaulter = [&] {
    return parse(daemon.get("/api/events/stats"))["plugins"]["segfaulter"];
  };
  // Every third event kills the worker: 3 crashes, the other 6 delivered.
  const bool settled = wait_until(
      [&] {
        const json s = segfaulter();
        return s.value("crashes", -1L) + s.value("delivered", -1L) >= 9 &&
               s.value("queue_depth", -1L) == 0;
      },
      30s);
  const json s = segfaulter();
  INFO(s.dump() << "\n" << daemon.log());
  CHECK(settled);
  CHECK(s["crashes"] == 3);
  CHECK(s["delivered"] == 6);
  CHECK(s["breaker"] == "closed");
  CHECK_THAT(daemon.log(), Catch::Contains("SIGSEGV"));
  CHECK(daemon.get("/healthz").status == 200);
  CHECK(parse(daemon.get("/readyz"))["ready"] == true);

  // The restarted worker is there; after SIGTERM none is.
  REQUIRE(wait_until([&] { return !workers_of(daemon.pid()).empty(); }));
  for (pid_t pid : workers_of(daemon.pid())) seen.insert(pid);
  REQUIRE_FALSE(workers_from(world.sandbox).empty());  // the probe sees them
  CHECK(daemon.stop(SIGTERM) == 0);
  CHECK_THAT(daemon.log(), Catch::Contains("stopped cleanly"));
  for (pid_t pid : seen) {
    INFO("worker " << pid);
    CHECK_FALSE(is_live_worker(pid));
  }
  CHECK(workers_from(world.sandbox).empty());
}

}  // namespace eventhost::test
