// Suite "footprint" -- what the host costs before any event:
//  (a) discovery of a plugins folder of 200 files: eventhost::Host
//      construction (it scans the folder) and `eventhost plugins list
//      --json` as a process, against the floor of reading the same 200
//      files' bytes, in the same run;
//  (b) the daemon's idle memory with 10 plugins enabled, against the same
//      daemon with none.
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench_daemon.h"
#include "bench_scratch.h"
#include "bench_suite.h"
#include "core/host.h"
#include "loader/plugin_file.h"

namespace fs = std::filesystem;
using namespace eventhost;

namespace {

// One read of the known size: the cheapest way to have the bytes, so the
// floor is not inflated by a growing buffer.
std::string read_bytes(const fs::path& file) {
  std::string bytes(fs::file_size(file), '\0');
  std::ifstream(file, std::ios::binary)
      .read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void write_plugin(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
  fs::permissions(file, fs::perms(0644));
}

// Gives the copy its own key of the same length (first letter kept, then
// a zero-padded counter), rewritten in the embedded manifest, so the folder
// is 200 distinct plugins rather than 200 duplicates. Only for keys of 4
// or more letters and manifests that declare no events (event names must
// start with the key). Returns false, leaving `bytes` alone, otherwise.
bool give_own_key(std::string& bytes, const std::string& key, int serial) {
  if (key.size() < 4) return false;
  const std::string quoted = "\"" + key + "\"";
  const auto field = bytes.find("\"key\"");
  if (field == std::string::npos) return false;
  const auto at = bytes.find(quoted, field);
  if (at == std::string::npos || at - field > 16) return false;
  std::string digits = std::to_string(serial);
  if (digits.size() > key.size() - 1) return false;
  digits.insert(0, key.size() - 1 - digits.size(), '0');
  bytes.replace(at + 2, key.size() - 1, digits);
  return true;
}

struct Folder {
  int files = 0, distinct_keys = 0;
};

// Fills `folder` with `count` copies of the usable built plugins.
Folder fill_folder(const fs::path& folder, int count) {
  std::vector<PluginFile> sources;
  for (const char* dir : {EH_PLUGINS_DIR, EH_TEST_PLUGINS_DIR}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".so") continue;
      PluginFile file = inspect_plugin_file(entry.path());
      if (file.usable()) sources.push_back(std::move(file));
    }
  }
  if (sources.empty()) throw std::runtime_error("no usable built plugins");
  std::sort(sources.begin(), sources.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  std::set<std::string> keys;
  for (int i = 0; i < count; ++i) {
    const PluginFile& source = sources[i % sources.size()];
    const fs::path copy = folder / (std::to_string(1000 + i) + "_" +
                                    source.path.filename().string());
    const std::string original = read_bytes(source.path);
    std::string bytes = original;
    const bool renamed = source.manifest->events.empty() &&
                         give_own_key(bytes, source.manifest->key, i);
    write_plugin(copy, bytes);
    PluginFile check = inspect_plugin_file(copy);
    if (renamed && !check.usable()) {  // not a plain key field after all
      write_plugin(copy, original);
      check = inspect_plugin_file(copy);
    }
    if (!check.usable())
      throw std::runtime_error(copy.string() + ": " + check.problem);
    keys.insert(check.manifest->key);
  }
  return {count, static_cast<int>(keys.size())};
}

void run_discovery(const bench::Config& config, bench::Report& report) {
  const int rounds = config.rounds(7);
  bench::Scratch scratch;
  const fs::path folder = scratch.root / "many";
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms(0755));
  const Folder filled = fill_folder(folder, 200);
  const bench::EventhostArgs where{
      folder, scratch.root / "state.db", scratch.root / "home", {}};
  const bench::EventhostArgs empty{scratch.root / "plugins",
                                   scratch.root / "empty.db",
                                   scratch.root / "home",
                                   {}};
  fs::remove(scratch.root / "plugins" / "noop.so");
  HostOptions options;
  options.plugins_dir = folder;
  options.state_path = where.state;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder)) files.push_back(e);
  // Warm: the page cache, the state file's creation, the binary.
  { Host warm(options); }
  bench::run_eventhost_ok(where, {"plugins", "list", "--json"});
  bench::run_eventhost_ok(empty, {"plugins", "list", "--json"});

  std::vector<double> read, construct, list, list_empty;
  std::size_t bytes = 0, listed = 0;
  for (int r = 0; r < rounds; ++r) {
    read.push_back(bench::seconds_of([&] {
      bytes = 0;
      for (const fs::path& f : files) bytes += read_bytes(f).size();
    }));
    construct.push_back(bench::seconds_of([&] {
      Host host(options);
      listed = host.plugins().size();
    }));
    std::string out;
    list.push_back(bench::seconds_of([&] {
      out = bench::run_eventhost_ok(where, {"plugins", "list", "--json"});
    }));
    list_empty.push_back(bench::seconds_of([&] {
      bench::run_eventhost_ok(empty, {"plugins", "list", "--json"});
    }));
    if (nlohmann::json::parse(out).size() != files.size())
      throw std::runtime_error("plugins list did not list every file");
  }
  if (listed != files.size())
    throw std::runtime_error("Host found " + std::to_string(listed) + " of " +
                             std::to_string(files.size()) + " plugin files");
  const double read_s = bench::median(read),
               construct_s = bench::median(construct);
  const double list_s = bench::median(list),
               empty_s = bench::median(list_empty);
  const std::string folder_note = std::to_string(filled.files) + " files, " +
                                  std::to_string(filled.distinct_keys) +
                                  " distinct keys (" +
                                  std::to_string(bytes / 1024) + " KiB)";
  report.add({"read 200 files (floor)", read_s * 1e3, "ms", folder_note});
  report.add({"Host construction", construct_s * 1e3, "ms",
              "scan + state; target < 100 ms"});
  report.add({"Host construction / floor", construct_s / read_s, "x", ""});
  report.add({"plugins list --json", list_s * 1e3, "ms",
              "process wall time; target < 100 ms"});
  report.add({"plugins list --json, empty folder", empty_s * 1e3, "ms",
              "process start-up floor"});
  report.add({"plugins list / floor", list_s / read_s, "x", "vs reading"});
}

struct Memory {
  double rss = 0, anon = 0, file = 0, shmem = 0;  // MiB
};

Memory memory_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  Memory m;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    double kib = 0;
    words >> name >> kib;
    if (name == "VmRSS:") m.rss = kib / 1024;
    if (name == "RssAnon:") m.anon = kib / 1024;
    if (name == "RssFile:") m.file = kib / 1024;
    if (name == "RssShmem:") m.shmem = kib / 1024;
  }
  if (m.rss == 0) throw std::runtime_error("cannot read VmRSS of the daemon");
  return m;
}

// The examples, and test plugins that start without complaint and stay
// quiet while idle.
constexpr const char* kExamples[] = {"event_logger", "audit_log",
                                     "login_guard"};
constexpr const char* kTestPlugins[] = {
    "noop", "recorder", "marker", "fits_host", "slow", "failing", "thrower"};

Memory idle_daemon(const bench::Config& config, bool with_plugins) {
  bench::Scratch scratch;
  const fs::path plugins = scratch.root / "plugins";
  bench::EventhostArgs where{
      plugins,
      scratch.root / "state.db",
      scratch.root / "home",
      {"EH_MARKER_FILE=" + (scratch.root / "marker").string()}};
  std::vector<std::string> keys;
  if (with_plugins) {
    for (const char* key : kExamples) {
      fs::copy_file(fs::path(EH_PLUGINS_DIR) / (std::string(key) + ".so"),
                    plugins / (std::string(key) + ".so"));
      keys.push_back(key);
    }
    for (const char* key : kTestPlugins) {
      const fs::path to = plugins / (std::string(key) + ".so");
      if (!fs::exists(to))
        fs::copy_file(fs::path(EH_TEST_PLUGINS_DIR) / to.filename(), to);
      keys.push_back(key);
    }
    for (const auto& e : fs::directory_iterator(plugins))
      fs::permissions(e.path(), fs::perms(0644));
    bench::run_eventhost_ok(
        where, {"plugins", "configure", "audit_log",
                "path=" + (scratch.root / "audit.jsonl").string()});
    bench::run_eventhost_ok(where,
                            {"plugins", "configure", "recorder",
                             "path=" + (scratch.root / "rec.txt").string()});
    for (const std::string& key : keys)
      bench::run_eventhost_ok(where, {"plugins", "enable", key});
  } else {
    fs::remove(plugins / "noop.so");
  }
  bench::BenchDaemon daemon(where);
  const auto listed =
      nlohmann::json::parse(bench::get_ok(daemon.port(), "/api/plugins"));
  std::size_t loaded = 0;
  for (const auto& p : listed)
    loaded += p.contains("live") && p["live"].value("loaded", false);
  if (loaded != keys.size()) {
    throw std::runtime_error(std::to_string(loaded) + " of " +
                             std::to_string(keys.size()) +
                             " plugins loaded: " + listed.dump());
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(config.quick ? 300 : 2000));
  return memory_of(daemon.pid());
}

void run_memory(const bench::Config& config, bench::Report& report) {
  const Memory none = idle_daemon(config, false);
  const Memory ten = idle_daemon(config, true);
  const auto add = [&](const std::string& what, const Memory& m) {
    report.add({what + ": VmRSS", m.rss, "MiB",
                what == "10 plugins" ? "target < 15 MB" : "floor"});
    report.add({what + ": RssAnon", m.anon, "MiB", ""});
    report.add({what + ": RssFile", m.file, "MiB", ""});
    report.add({what + ": RssShmem", m.shmem, "MiB", ""});
  };
  add("no plugins", none);
  add("10 plugins", ten);
  report.add({"10 plugins - none", ten.rss - none.rss, "MiB",
              "VmRSS the plugins add, idle"});
}

// The daemon's CPU while idle after a burst of events to noop, as a share
// of one core: its pool threads wait briefly for more work after a burst
// (Dispatcher::linger) and then park, so an idle daemon should use none.
double idle_daemon_cpu(const bench::Config& config) {
  bench::Scratch scratch;
  const bench::EventhostArgs where{scratch.root / "plugins",
                                   scratch.root / "state.db",
                                   scratch.root / "home",
                                   {}};
  bench::run_eventhost_ok(where, {"plugins", "enable", "noop"});
  bench::BenchDaemon daemon(where);
  std::string burst;
  for (int i = 0; i < 10000; ++i) {
    burst += R"({"event":"channel.created","data":{"channel_id":)" +
             std::to_string(i) + R"(,"channel_name":"News HD"}})" + "\n";
  }
  bench::HttpConnection connection(daemon.port());
  const auto reply =
      connection.request("POST", "/api/events", burst,
                         {"Authorization: Bearer " + daemon.token(),
                          "Content-Type: application/x-ndjson"});
  if (reply.status / 100 != 2 ||
      reply.body.find("\"accepted\":10000") == std::string::npos) {
    throw std::runtime_error("POST /api/events answered " +
                             std::to_string(reply.status) + ": " +
                             reply.body.substr(0, 300));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  using Clock = std::chrono::steady_clock;
  const double before = bench::cpu_seconds_of(daemon.pid());
  const auto start = Clock::now();
  std::this_thread::sleep_for(
      std::chrono::milliseconds(config.quick ? 500 : 3000));
  const double used = bench::cpu_seconds_of(daemon.pid()) - before;
  return used / std::chrono::duration<double>(Clock::now() - start).count();
}

void run_footprint(const bench::Config& config, bench::Report& report) {
  run_discovery(config, report);
  run_memory(config, report);
  report.add({"idle daemon CPU", 100 * idle_daemon_cpu(config), "% of a core",
              "noop enabled; 3 s idle after 10 000 events; target 0"});
}

}  // namespace

EH_BENCH_SUITE(80, "footprint",
               "discovery of 200 plugin files (Host and `plugins list`) vs "
               "reading them; idle daemon RSS with 10 plugins vs none",
               run_footprint);
