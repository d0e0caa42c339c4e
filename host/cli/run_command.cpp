// `eventhost run`: the daemon in the foreground. Its settings come from
// the command line, else the environment, else the --config file, else
// the defaults -- for the global options (plugins folder, state, ...) too.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cli/command.h"
#include "cli/config_file.h"
#include "cli/exit_codes.h"
#include "cluster/cluster_keys.h"
#include "cluster/redis_url.h"
#include "daemon/daemon.h"
#include "worker/worker_user.h"

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
    {"max-connections", "EVENTHOST_MAX_CONNECTIONS", "1024",
     "HTTP connections served at once, live streams included (not the "
     "control socket); the next ones get 503"},
    {"header-timeout-ms", "EVENTHOST_HEADER_TIMEOUT_MS", "30000",
     "a request's header must arrive within this (idle keep-alive "
     "connections are closed after it); else 408"},
    {"body-timeout-ms", "EVENTHOST_BODY_TIMEOUT_MS", "30000",
     "longest pause while a request body arrives; else 408"},
    {"tls-cert", "EVENTHOST_TLS_CERT", "",
     "PEM certificate (chain): serve HTTPS instead of HTTP (with --tls-key)"},
    {"tls-key", "EVENTHOST_TLS_KEY", "",
     "PEM private key of --tls-cert, unencrypted, not readable by others"},
    {"worker-user", "EVENTHOST_WORKER_USER", "",
     "when run as root: run process-tier workers as this user (it must be "
     "able to read the plugin files)"},
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
    {"session-idle-ms", "EVENTHOST_SESSION_IDLE_MS", "3600000",
     "a dashboard session ends after this long without a change made "
     "through it"},
    {"session-max-ms", "EVENTHOST_SESSION_MAX_MS", "43200000",
     "a dashboard session ends this long after signing in, in any case"},
    {"cluster", "EVENTHOST_CLUSTER", "",
     "join a cluster on this Redis: redis://[user[:password]@]HOST:PORT[/DB] "
     "(see README.md \"Running a cluster\"); the plugins' configuration "
     "and the level are then the cluster's, changed on any node"},
    {"node", "EVENTHOST_NODE", "",
     "this node's name in the cluster (default: the host name and the "
     "state file's name)"},
    {"cluster-prefix", "EVENTHOST_CLUSTER_PREFIX", "eventhost",
     "the prefix of the cluster's keys in Redis (two clusters can share "
     "one Redis)"},
    {"cluster-claim-ms", "EVENTHOST_CLUSTER_CLAIM_MS", "30000",
     "a node takes over entries another node has held this long without a "
     "sign of life (it died)"},
    {"cluster-wait-replicas", "EVENTHOST_CLUSTER_WAIT_REPLICAS", "0",
     "acknowledge events only once this many Redis replicas have them "
     "(WAIT)"},
};

constexpr Setting kGlobalSettings[] = {
    {"plugins-dir", "EVENTHOST_PLUGINS_DIR", nullptr, nullptr},
    {"state", "EVENTHOST_STATE", nullptr, nullptr},
    {"log-level", "EVENTHOST_LOG_LEVEL", nullptr, nullptr},
    {"threads", nullptr, nullptr, nullptr},
    {"breaker-threshold", nullptr, nullptr, nullptr},
    {"max-emit-depth", "EVENTHOST_MAX_EMIT_DEPTH", nullptr, nullptr},
    {"payload-check", "EVENTHOST_PAYLOAD_CHECK", nullptr, nullptr},
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
  keys.emplace_back("insecure-listen");
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

  // A flag: on the command line, or `name = true` in the config file.
  bool flag(const char* name) const {
    if (inv_.vm.count(name)) return true;
    auto it = file_.find(name);
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
    if (name == "payload-check")
      g.payload_check = parse_payload_check_option(value);
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

// The host name and the state file's name, e.g. "box1/eventhost.db", with
// anything a node name may not hold (cluster/cluster_keys.h) made '_'.
std::string default_node_name(const std::filesystem::path& state) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "node");
  std::string name = std::string(host) + "/" + state.filename().string();
  for (char& c : name) {
    if (!std::isgraph(static_cast<unsigned char>(c)) || c == '@') c = '_';
  }
  return name;
}

std::optional<cluster::ClusterOptions> cluster_options(
    const Settings& settings, const std::filesystem::path& state) {
  const std::string url = settings.text(setting("cluster"));
  if (url.empty()) return std::nullopt;
  cluster::ClusterOptions c;
  c.endpoint = cluster::parse_redis_url(url);
  c.url = c.endpoint.display();
  c.prefix = settings.text(setting("cluster-prefix"));
  cluster::check_prefix(c.prefix);
  c.node = settings.text(setting("node"));
  if (c.node.empty()) c.node = default_node_name(state);
  cluster::check_node_name(c.node);
  c.claim =
      std::chrono::milliseconds(settings.number(setting("cluster-claim-ms")));
  if (c.claim.count() < 100) {
    throw Error(ErrorKind::kUsage,
                "--cluster-claim-ms must be at least 100: a shorter time "
                "takes work away from nodes that are only busy");
  }
  c.wait_replicas =
      static_cast<unsigned>(settings.number(setting("cluster-wait-replicas")));
  return c;
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
  options.read_stdin = settings.flag("stdin");
  options.max_connections = settings.number(setting("max-connections"));
  options.header_timeout =
      std::chrono::milliseconds(settings.number(setting("header-timeout-ms")));
  options.body_timeout =
      std::chrono::milliseconds(settings.number(setting("body-timeout-ms")));
  options.tls_cert = settings.text(setting("tls-cert"));
  options.tls_key = settings.text(setting("tls-key"));
  options.insecure_listen = settings.flag("insecure-listen");
  options.sessions.idle =
      std::chrono::milliseconds(settings.number(setting("session-idle-ms")));
  options.sessions.absolute =
      std::chrono::milliseconds(settings.number(setting("session-max-ms")));
  if (options.client_queue == 0 || options.heartbeat.count() == 0 ||
      options.rescan_interval.count() == 0 || options.max_connections == 0 ||
      options.header_timeout.count() == 0 ||
      options.body_timeout.count() == 0 || options.sessions.idle.count() == 0 ||
      options.sessions.absolute.count() == 0) {
    throw Error(ErrorKind::kUsage,
                "client-queue, heartbeat-ms, rescan-ms, max-connections, "
                "header-timeout-ms, body-timeout-ms, session-idle-ms and "
                "session-max-ms must be above 0");
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    throw Error(ErrorKind::kUsage,
                "--tls-cert and --tls-key go together: give both PEM files "
                "(or neither, for plain HTTP on loopback)");
  }
  if (const std::string user = settings.text(setting("worker-user"));
      !user.empty()) {
    options.host.worker_user = worker::resolve_worker_user(user);
  }
  options.cluster = cluster_options(settings, options.host.state_path);
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
      "Dashboard: a web page at / (the same address), built on the API\n"
      "below. Sign in by opening the one-time link the log prints at start\n"
      "(valid 10 minutes), or by pasting the token. Sessions end after\n"
      "--session-idle-ms without a change or --session-max-ms in any case.\n\n"
      "HTTP API (loopback by default; see README.md):\n"
      "  POST /api/events, GET /api/events/stream (SSE),\n"
      "  GET /api/events/stats, /api/events/catalogue, /api/plugins[/KEY],\n"
      "  POST /api/plugins/KEY/enable|disable, PUT /api/plugins/KEY/settings,\n"
      "  POST /api/plugins/KEY/actions/ID, GET|PUT /api/level, /metrics,\n"
      "  /healthz, /readyz. Requests that change something need\n"
      "  'Authorization: Bearer <token>' (the token file).\n\n"
      "HTTPS with --tls-cert and --tls-key. A --listen address beyond\n"
      "loopback without them is refused (exit 2): the token and the\n"
      "events would cross the network in clear text. Use TLS, an SSH\n"
      "tunnel to 127.0.0.1, or --insecure-listen when a proxy in front\n"
      "terminates TLS. Limits: a header over 8 KiB gets 431, a body over\n"
      "--max-body 413, a request slower than the timeouts 408, a\n"
      "connection past --max-connections 503.\n\n"
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
      "  config file: EVENTHOST_CONFIG; stdin: `stdin = true` in the file;\n"
      "  insecure-listen: `insecure-listen = true` in the file\n\n"
      "Exit status: 0 after a clean stop, 1 if deliveries were still\n"
      "running when the grace period ended or it could not start, 2 for a\n"
      "bad option (or a network --listen without TLS), 5 if another\n"
      "daemon already runs on this state or the TLS key is readable by\n"
      "every user.\n\n"
      "Examples:\n"
      "  eventhost run\n"
      "  eventhost run --listen 127.0.0.1:9000 --config /etc/eventhost.conf\n"
      "  eventhost run --listen 0.0.0.0:8443 --tls-cert cert.pem "
      "--tls-key key.pem\n"
      "  producer | eventhost run --stdin\n"
      "  eventhost run --cluster redis://127.0.0.1:6379/0 --node a "
      "--state a.db\n";
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
        "stdin", "also read NDJSON events from stdin, one per line")(
        "insecure-listen",
        "allow a --listen address beyond loopback without TLS (when a "
        "reverse proxy in front terminates TLS)");
  };
  c.run = run;
  return {c};
}

}  // namespace eventhost::cli
