#include "daemon/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "api/api_router.h"
#include "api/daemon_metrics.h"
#include "api/delivery_series.h"
#include "cluster/cluster_config.h"
#include "cluster/cluster_event_log.h"
#include "cluster/cluster_status.h"
#include "cluster/node_heartbeat.h"
#include "common/error.h"
#include "daemon/daemon_paths.h"
#include "daemon/heap_policy.h"
#include "daemon/line_ingress.h"
#include "daemon/listen_policy.h"
#include "daemon/periodic_task.h"
#include "daemon/token.h"
#include "dashboard/dashboard.h"
#include "eventhost/version.h"
#include "http/http_server.h"
#include "stream/event_stream.h"
#include "stream/stream_feed.h"

namespace eventhost {
namespace {

// Emitted events waiting for the live stream's feed thread; past these,
// emitters wait (stream/stream_feed.h).
constexpr std::size_t kFeedPending = 65536;
// The live stream's threads (the feed and the stream I/O) run this much
// nicer than the rest: on busy CPUs, a POST with 1 000 clients listening
// was acknowledged in 6-9 ms at the same priority, 3-5 ms with this
// (bench "sse", 2 loaded cores), while the fan-out still ran at twice
// its old rate.
constexpr int kStreamNice = 5;

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Blocked before any thread starts, so every thread inherits the mask and
// the signals are only ever taken by sigwait() in the main thread.
void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is not fatal
}

// Waits for SIGTERM or SIGINT; SIGHUP asks for an immediate folder rescan.
int wait_for_stop(ApiRouter& router) {
  const sigset_t set = stop_signals();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal != SIGHUP) return signal;
    spdlog::info("SIGHUP: rescanning the plugins folder");
    router.refresh_folder();
  }
}

void write_daemon_info(const std::filesystem::path& path,
                       const std::string& host, std::uint16_t port,
                       const DaemonOptions& options,
                       const std::filesystem::path& token_file) {
  const std::string url =
      (options.tls_cert.empty() ? "http://" : "https://") +
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
      std::to_string(port);
  const nlohmann::json info = {
      {"pid", ::getpid()},
      {"version", kHostVersion},
      {"url", url},
      {"port", port},
      {"control_socket", control_socket_path(options.host.state_path).string()},
      {"token_file", token_file.string()}};
  const std::filesystem::path temp = path.string() + ".tmp";
  std::ofstream(temp) << info.dump(2) << "\n";
  // Like every file beside the state: for its owner only, whatever umask.
  std::filesystem::permissions(temp, std::filesystem::perms(0600));
  std::filesystem::rename(temp, path);  // readers never see half a file
}

// The journal as the live stream's resume reads it, on the server's I/O
// threads. The Host destroys its journal when it stops, while the server
// still runs: close() (which waits for a read under way) comes first, and
// a resume after it gets what the memory ring holds.
class JournalReader {
 public:
  explicit JournalReader(EventLog& journal) : journal_(&journal) {}
  void close() {
    std::unique_lock lock(mutex_);
    journal_ = nullptr;
  }
  // Committed events after `after`, up to `upto`, whose names match the
  // filter, at most `limit`.
  std::vector<StreamEvent> read(std::uint64_t after, std::uint64_t upto,
                                const std::vector<std::string>& filter,
                                std::size_t limit) {
    std::shared_lock lock(mutex_);
    std::vector<StreamEvent> out;
    if (journal_ == nullptr) return out;
    journal_->flush();  // what was published is committed before it is read
    JournalQuery query;
    query.after_id = after;
    query.limit = 1000;
    for (;;) {
      const auto page = journal_->list(query);
      for (const JournalEntry& e : page) {
        if (e.id > upto || out.size() == limit) return out;
        const bool wanted =
            filter.empty() ||
            std::any_of(filter.begin(), filter.end(), [&](const auto& p) {
              return event_matches(p, e.name);
            });
        if (wanted) out.push_back({e.id, e.name, e.payload, e.emitted_at_us});
      }
      if (page.size() < query.limit) return out;
      query.after_id = page.back().id;
    }
  }

 private:
  std::shared_mutex mutex_;
  EventLog* journal_;  // GUARDED_BY(mutex_); null once closed
};

// Every live stream client holds a socket, and the soft limit on open files
// is often 1024 while the hard one is far higher: a daemon serving a
// thousand clients would refuse connections (EMFILE) long before the
// machine minds. Raising the soft limit to the hard one needs no privilege.
void raise_open_files_limit(std::size_t max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  // Past the limit, accepting fails instead of answering 503.
  if (limit.rlim_max != RLIM_INFINITY &&
      limit.rlim_max < max_connections + 64) {
    spdlog::warn(
        "--max-connections {} is close to or above the open files limit {}: "
        "connections past that cannot be accepted; raise the hard limit "
        "(ulimit -Hn, systemd LimitNOFILE=) or lower --max-connections",
        max_connections, limit.rlim_max);
  }
  if (limit.rlim_cur == limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("cannot raise the open files limit from {}: {}", before,
                 std::strerror(errno));
    return;
  }
  spdlog::debug("open files limit raised from {} to {}", before,
                limit.rlim_cur);
}

// The live stream gets every emitted event through the feed: the emitter
// (a POST's handler, a plugin) hands it over and goes on; the feed's
// thread does the fan-out to the stream's clients.
HostOptions with_hooks(HostOptions host, StreamFeed& feed,
                       DaemonMetrics& metrics, DeliverySeries& series) {
  host.on_emitted = [&feed, &metrics](const Event& e) {
    feed.push({e.id, e.name, e.payload, e.emitted_at_us});
    metrics.on_emitted(e);
  };
  host.on_suppressed = [&metrics](const std::string& name, LevelSet level) {
    metrics.on_suppressed(name, level);
  };
  host.on_emit_refused = [&metrics](const std::string& plugin,
                                    const char* reason) {
    metrics.on_emit_refused(plugin, reason);
  };
  host.on_type_mismatch = [&metrics](const std::string& event,
                                     const std::string& field) {
    metrics.on_type_mismatch(event, field);
  };
  auto previous = std::move(host.observer);
  host.observer = [&metrics, &series, previous](const DeliveryResult& r) {
    metrics.on_delivery(r);
    series.on_delivery(r);
    if (previous) previous(r);
  };
  return host;
}

// The dashboard's address with a one-time login code in its fragment, which
// a browser never sends to the server: the page reads it, signs in with
// it and removes it from the address bar.
std::string dashboard_link(const std::string& host, std::uint16_t port,
                           bool tls, const std::string& code) {
  std::string shown = host;
  if (shown == "0.0.0.0") shown = "127.0.0.1";
  if (shown == "::") shown = "::1";
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  return std::string(tls ? "https://" : "http://") + shown + ":" +
         std::to_string(port) + "/#login=" + code;
}

// A node of a cluster: the host's event log is the cluster's stream, and
// the live stream sees every event of the cluster as this node reads it
// from there, whichever node accepted it -- while a client listens: with
// none, the node does not read the stream back (it would cost as much as
// the appends), and a client that comes resumes what it lacks from the
// stream (the journal). The metrics count, as on a single node, the
// events this node accepted.
std::unique_ptr<cluster::Cluster> join_cluster(
    const cluster::ClusterOptions& options, HostOptions& host,
    EventStream& stream, StreamFeed& feed, DaemonMetrics& metrics) {
  auto joined = std::make_unique<cluster::Cluster>(options);
  joined->check_reachable();
  spdlog::info("joining the cluster at {} as node {} (prefix {})",
               options.endpoint.display(), options.node, options.prefix);
  cluster::Cluster& c = *joined;
  host.node = options.node;
  const std::uint64_t max_bytes = host.retention.max_bytes;
  host.on_emitted = nullptr;  // a cluster's log hands every event back
  host.event_log = [&c, max_bytes, &stream, &feed,
                    &metrics]() -> std::unique_ptr<EventLog> {
    cluster::ClusterConsumer::Tail tail;
    tail.publish = [&feed](const JournalEntry& e) {
      feed.push({e.id, e.name, e.payload, e.emitted_at_us});
    };
    tail.pause = [&stream, &feed](std::uint64_t newest_skipped) {
      feed.flush();  // what the tail pushed goes first, in order
      return stream.skip_if_idle(newest_skipped);
    };
    return std::make_unique<cluster::ClusterEventLog>(
        c, max_bytes, std::move(tail), [&metrics](const JournalEntry& e) {
          Event event;
          event.name = e.name;
          event.level = static_cast<LevelSet>(e.level);
          metrics.on_emitted(event);
        });
  };
  return joined;
}

}  // namespace

std::pair<std::string, std::uint16_t> parse_listen_address(
    const std::string& text) {
  const auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text =
      colon == std::string::npos ? "" : text.substr(colon + 1);
  const bool digits =
      !port_text.empty() &&
      port_text.find_first_not_of("0123456789") == std::string::npos &&
      port_text.size() <= 5;
  if (host.empty() || !digits || std::stoul(port_text) > 65535) {
    throw Error(ErrorKind::kUsage,
                "invalid --listen '" + text +
                    "': use HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 "
                    "(port 0 picks a free one)");
  }
  return {host, static_cast<std::uint16_t>(std::stoul(port_text))};
}

int run_daemon(const DaemonOptions& options) {
  limit_heap();  // before any thread allocates
  block_stop_signals();
  raise_open_files_limit(options.max_connections);
  const auto [listen_host, listen_port] = parse_listen_address(options.listen);
  check_listen_exposure(listen_host, !options.tls_cert.empty(),
                        options.insecure_listen);
  const std::filesystem::path token_file =
      options.token_file.empty() ? default_token_path(options.host.state_path)
                                 : options.token_file;
  EventStream stream({options.stream_ring, options.client_queue});
  // Before the Host, whose emits it takes.
  StreamFeed feed(stream, kFeedPending, kStreamNice);
  DaemonMetrics metrics;
  DeliverySeries series;
  std::unique_ptr<cluster::Cluster> cluster;
  HostOptions host_options = with_hooks(options.host, feed, metrics, series);
  if (options.cluster) {
    cluster =
        join_cluster(*options.cluster, host_options, stream, feed, metrics);
  }
  Host host(std::move(host_options));
  ApiRouter router(host, stream, metrics, load_or_create_token(token_file));
  router.set_series(&series);
  SessionPolicy sessions = options.sessions;
  sessions.secure_cookie = !options.tls_cert.empty();
  router.sessions().set_policy(sessions);
  // A node follows the cluster's configuration from the start, before its
  // session loads any plugin, and shares the changes made through it.
  std::optional<cluster::ClusterConfig> config;
  if (cluster) {
    config.emplace(*cluster, [&router](const std::function<void(Host&)>& f) {
      router.with_host(f);
    });
    config->join(host);
    router.set_config_share(
        [&config](Host& h, const std::string& key, bool enabled) {
          config->share(h, key, enabled);
        },
        [&config](const std::string& why) { config->unshared(why); });
    router.set_on_folder_change([&config] { config->resync(); });
  }

  HttpServerOptions http;
  http.host = listen_host;
  http.port = listen_port;
  http.control_socket = control_socket_path(options.host.state_path);
  http.body_limit = options.max_body;
  http.max_connections = options.max_connections;
  http.header_timeout = options.header_timeout;
  http.body_timeout = options.body_timeout;
  http.tls_cert = options.tls_cert;
  http.tls_key = options.tls_key;
  http.heartbeat = options.heartbeat;
  http.slow = &ApiRouter::runs_plugin_code;
  http.stream_nice = kStreamNice;
  // Opened here, before any client can connect, so resumes reach back past
  // the memory ring, and past a restart, into the durable journal.
  std::shared_ptr<JournalReader> reader;
  if (EventLog* journal = host.journal()) {
    reader = std::make_shared<JournalReader>(*journal);
    http.backfill = [reader](std::uint64_t after, std::uint64_t upto,
                             const std::vector<std::string>& filter,
                             std::size_t limit) {
      return reader->read(after, upto, filter, limit);
    };
  }
  HttpServer server(
      http,
      [&router](const HttpRequest& r) {
        if (auto page = serve_dashboard(r)) return *page;
        return router.handle(r);
      },
      stream);
  // Bind before loading plugins: a port in use or a second daemon on the
  // same state is refused before any plugin code runs.
  server.start();

  if (const auto& crash = host.unclean_previous_run())
    spdlog::warn("{}", *crash);
  const auto problems = host.start(true);
  if (options.host.safe_mode) {
    spdlog::warn(
        "safe mode: no plugins loaded; enabled flags, pins and settings are "
        "left as they are (`eventhost plugins disable KEY` the culprit, then "
        "restart without --safe-mode)");
  }
  metrics.watch(host, stream);
  // A node beats once started (so `cluster status` lists it with its
  // plugins running) until the end of this function.
  std::optional<cluster::NodeHeartbeat> heartbeat;
  if (cluster) {
    heartbeat.emplace(*cluster);
    config->watch();
    cluster::Cluster& c = *cluster;
    router.set_cluster([&c] { return to_json(read_cluster_status(c)); },
                       [&c] { return cluster_metrics(c); });
  }
  // Stopped before the Host goes, however this function ends: its ticker
  // reads the Host's figures.
  struct SeriesTicker {
    DeliverySeries& series;
    ~SeriesTicker() { series.stop(); }
  } ticker{series};
  series.start([&host, &stream] {
    const HostStats s = host.stats();
    DeliverySeries::Gauges g;
    for (std::size_t i = 0; i < s.emitted.size(); ++i) {
      g.emitted += s.emitted[i];
      g.suppressed += s.suppressed[i];
    }
    g.sse_clients = stream.active_clients();
    return g;
  });
  const auto info_path = daemon_info_path(options.host.state_path);
  write_daemon_info(info_path, listen_host, server.port(), options, token_file);
  router.set_ready(true);
  spdlog::info(
      "eventhost {} ready: {}://{}:{}, control socket {}, {} plugin(s) "
      "loaded{}",
      kHostVersion, options.tls_cert.empty() ? "http" : "https", listen_host,
      server.port(), http.control_socket.string(), host.runner_stats().size(),
      problems.empty()
          ? ""
          : ", " + std::to_string(problems.size()) + " could not be loaded");
  spdlog::info(
      "dashboard: {} (a one-time sign-in link, valid for {} minutes; or sign "
      "in with the token)",
      dashboard_link(listen_host, server.port(), !options.tls_cert.empty(),
                     router.sessions().issue_login_code()),
      std::chrono::duration_cast<std::chrono::minutes>(sessions.code_lifetime)
          .count());

  std::optional<LineIngress> ingress;
  if (options.read_stdin) ingress.emplace(host, STDIN_FILENO).start();
  int signal = 0;
  {
    PeriodicTask rescan(options.rescan_interval,
                        [&router] { router.refresh_folder(); });
    PeriodicTask heap(kHeapReturnInterval, return_free_heap);
    signal = wait_for_stop(router);
    spdlog::info("{}: stopping; draining in-flight deliveries (grace {} ms)",
                 strsignal(signal), options.host.shutdown_grace.count());
    router.begin_shutdown();
  }
  config.reset();  // its watch changes the Host no more
  if (ingress) ingress->stop();
  series.stop();
  if (reader) reader->close();  // before the Host lets go of its journal
  const Host::StopReport report = host.stop();
  feed.flush();  // system.shutdown reaches the stream before "shutdown"
  server.stop();
  std::error_code ignored;
  std::filesystem::remove(info_path, ignored);
  if (!report.clean) {
    spdlog::error("stopped with deliveries still running in: {}",
                  fmt::join(report.busy, ", "));
    // The threads left in plugin calls cannot be joined and may still log
    // or return: skip the static destructors (spdlog's among them) they
    // would race with. Flush rather than spdlog::shutdown(), which drops
    // the default logger a late plugin log line would then dereference.
    spdlog::default_logger_raw()->flush();
    std::fflush(nullptr);
    std::_Exit(1);
  }
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace eventhost
