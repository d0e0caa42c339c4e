// `eventhost run`: the daemon in the foreground. Its settings come from
// the command line, else the environment, else the --config file, else
// the defaults -- for the global options (plugins folder, state, ...) too.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>

#include "cli/command.h"
#include "cli/config_file.h"
#include "cli/exit_codes.h"
#include "daemon/daemon.h"

namespace eventhost::cli {
namespace {

struct Setting {
  const char* name;  // the option and config-file key
  const char* env;
  const char* fallback;
  const char* help;
};

// The daemon's own settings; the globals are added from
// global_options_description().
constexpr Setting kSettings[] = {
    {"listen", "EVENTHOST_LISTEN", "127.0.0.1:8080",
     "HTTP address HOST:PORT; port 0 picks a free one (see "
     "<state>.daemon.json)"},
    {"token-file", "EVENTHOST_TOKEN_FILE", "",
     "file holding the API token, created 0600 on first run (default "
     "<state>.token)"},
    {"max-body", "EVENTHOST_MAX_BODY", "1048576",
     "largest request body in bytes; larger requests get 413"},
    {"heartbeat-ms", "EVENTHOST_HEARTBEAT_MS", "15000",
     "live stream heartbeat interval"},
    {"grace-ms", "EVENTHOST_GRACE_MS", "10000",
     "on SIGTERM/SIGINT, how long in-flight deliveries may take to finish"},
    {"stream-ring", "EVENTHOST_STREAM_RING", "1024",
     "events held in memory for Last-Event-ID resume"},
    {"client-queue", "EVENTHOST_CLIENT_QUEUE", "100",
     "events queued per live stream client before it is cut off"},
    {"rescan-ms", "EVENTHOST_RESCAN_MS", "2000",
     "how often the plugins folder is checked for new files"},
};

constexpr Setting kGlobalSettings[] = {
    {"plugins-dir", "EVENTHOST_PLUGINS_DIR", nullptr, nullptr},
    {"state", "EVENTHOST_STATE", nullptr, nullptr},
    {"log-level", "EVENTHOST_LOG_LEVEL", nullptr, nullptr},
    {"threads", nullptr, nullptr, nullptr},
    {"breaker-threshold", nullptr, nullptr, nullptr},
    {"max-emit-depth", "EVENTHOST_MAX_EMIT_DEPTH", nullptr, nullptr},
};

bool in_environment(const char* env) {
  const char* value = env ? std::getenv(env) : nullptr;
  return value != nullptr && *value != '\0';
}

// The config file as key -> text; unknown keys are an error naming them.
std::map<std::string, std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::kIo, "cannot read config file " + path);
  std::vector<std::string> keys;
  for (const Setting& s : kSettings) keys.emplace_back(s.name);
  for (const Setting& s : kGlobalSettings) keys.emplace_back(s.name);
  keys.emplace_back("stdin");
  return cli::read_config(in, path, keys);
}

class Settings {
 public:
  Settings(const Invocation& inv) : inv_(inv) {
    const char* env = std::getenv("EVENTHOST_CONFIG");
    const std::string path = inv.vm.count("config")
                                 ? inv.vm["config"].as<std::string>()
                                 : (env ? env : "");
    if (!path.empty()) file_ = read_config_file(path);
  }

  // Command line, else environment, else config file, else fallback.
  std::string text(const Setting& s) const {
    if (inv_.vm.count(s.name)) return inv_.vm[s.name].as<std::string>();
    if (in_environment(s.env)) return std::getenv(s.env);
    auto it = file_.find(s.name);
    return it != file_.end() ? it->second : s.fallback;
  }

  unsigned long number(const Setting& s) const {
    const std::string value = text(s);
    if (value.empty() ||
        value.find_first_not_of("0123456789") != std::string::npos) {
      throw Error(ErrorKind::kUsage, std::string("invalid ") + s.name + " '" +
                                         value + "': expected a whole number");
    }
    return std::stoul(value);
  }

  // The global options resolve_globals() filled from the command line,
  // environment or defaults, with the config file's values where neither
  // the command line nor the environment gave one.
  GlobalOptions globals() const {
    GlobalOptions g = inv_.globals;
    for (const Setting& s : kGlobalSettings) {
      auto it = file_.find(s.name);
      if (it == file_.end() || inv_.vm.count(s.name) || in_environment(s.env))
        continue;
      apply_global(g, s.name, it->second);
    }
    return g;
  }

  bool read_stdin() const {
    if (inv_.vm.count("stdin")) return true;
    auto it = file_.find("stdin");
    return it != file_.end() && (it->second == "true" || it->second == "1");
  }

 private:
  static void apply_global(GlobalOptions& g, const std::string& name,
                           const std::string& value) {
    if (name == "plugins-dir") g.plugins_dir = value;
    if (name == "state") g.state_path = value;
    if (name == "log-level") g.log_level = value;
    if (name == "threads") g.threads = std::stoul(value);
    if (name == "breaker-threshold") {
      g.breaker_threshold = static_cast<std::uint32_t>(std::stoul(value));
    }
    if (name == "max-emit-depth")
      g.max_emit_depth = parse_max_emit_depth(value);
  }

  const Invocation& inv_;
  std::map<std::string, std::string> file_;
};

const Setting& setting(const char* name) {
  for (const Setting& s : kSettings) {
    if (std::string(s.name) == name) return s;
  }
  throw Error(ErrorKind::kInternal, std::string("no setting ") + name);
}

int run(const Invocation& inv) {
  const Settings settings(inv);
  const GlobalOptions globals = settings.globals();
  spdlog::set_level(spdlog::level::from_str(globals.log_level));
  DaemonOptions options;
  options.host = host_options(globals);
  options.host.shutdown_grace =
      std::chrono::milliseconds(settings.number(setting("grace-ms")));
  options.listen = settings.text(setting("listen"));
  options.token_file = settings.text(setting("token-file"));
  options.max_body = settings.number(setting("max-body"));
  options.heartbeat =
      std::chrono::milliseconds(settings.number(setting("heartbeat-ms")));
  options.stream_ring = settings.number(setting("stream-ring"));
  options.client_queue = settings.number(setting("client-queue"));
  options.rescan_interval =
      std::chrono::milliseconds(settings.number(setting("rescan-ms")));
  options.read_stdin = settings.read_stdin();
  if (options.client_queue == 0 || options.heartbeat.count() == 0 ||
      options.rescan_interval.count() == 0) {
    throw Error(ErrorKind::kUsage,
                "client-queue, heartbeat-ms and rescan-ms must be above 0");
  }
  return run_daemon(options) == 0 ? kExitOk : kExitRuntime;
}

std::string details() {
  std::string text =
      "Runs the host as a service in the foreground (for systemd, a\n"
      "container or a terminal): logs go to stderr; SIGTERM or SIGINT stop\n"
      "it after in-flight deliveries finish (at most --grace-ms); SIGHUP\n"
      "rescans the plugins folder at once.\n\n"
      "While it runs, every other eventhost command on the same --state\n"
      "talks to it over the control socket <state>.sock (mode 0600), so\n"
      "enable, disable, configure, run, level set and emit apply live.\n"
      "Plugin files dropped into the folder are found within --rescan-ms\n"
      "and stay disabled until enabled.\n\n"
      "HTTP API (loopback by default; see README.md):\n"
      "  POST /api/events, GET /api/events/stream (SSE),\n"
      "  GET /api/events/stats, /api/events/catalogue, /api/plugins[/KEY],\n"
      "  POST /api/plugins/KEY/enable|disable, PUT /api/plugins/KEY/settings,\n"
      "  POST /api/plugins/KEY/actions/ID, GET|PUT /api/level, /metrics,\n"
      "  /healthz, /readyz. Requests that change something need\n"
      "  'Authorization: Bearer <token>' (the token file).\n\n"
      "Each setting comes from its option, else its environment variable,\n"
      "else the --config file (INI lines `key = value`, keys as the long\n"
      "option names, global ones included), else its default:\n";
  for (const Setting& s : kSettings) {
    text += "  " + std::string(s.name) + ": " + s.env +
            (std::string(s.fallback).empty()
                 ? ""
                 : ", default " + std::string(s.fallback)) +
            "\n";
  }
  text +=
      "  config file: EVENTHOST_CONFIG; stdin: `stdin = true` in the file\n\n"
      "Exit status: 0 after a clean stop, 1 if deliveries were still\n"
      "running when the grace period ended or it could not start, 2 for a\n"
      "bad option, 5 if another daemon already runs on this state.\n\n"
      "Examples:\n"
      "  eventhost run\n"
      "  eventhost run --listen 127.0.0.1:9000 --config /etc/eventhost.conf\n"
      "  producer | eventhost run --stdin\n";
  return text;
}

}  // namespace

std::vector<Command> run_commands() {
  Command c;
  c.family = "run";
  c.synopsis = "run [--listen HOST:PORT] [--config FILE] [--stdin] [...]";
  c.summary = "Run the daemon: HTTP API, live stream, live CLI control";
  c.details = details();
  c.declare = [](po::options_description& options,
                 po::positional_options_description&) {
    for (const Setting& s : kSettings) {
      options.add_options()(s.name, po::value<std::string>(), s.help);
    }
    options.add_options()("config",
                          po::value<std::string>()->value_name("FILE"),
                          "INI file of settings (env EVENTHOST_CONFIG)")(
        "stdin", "also read NDJSON events from stdin, one per line");
  };
  c.run = run;
  return {c};
}

}  // namespace eventhost::cli
