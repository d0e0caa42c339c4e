#include "cli/cli_context.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <vector>

#include "cli/exit_codes.h"
#include "state/state_store.h"

namespace eventhost::cli {
namespace {

const char* env_or_null(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// The command line wins over the environment, which wins over `fallback`.
std::string pick(const po::variables_map& vm, const char* option,
                 const char* env, const std::string& fallback) {
  if (vm.count(option)) return vm[option].as<std::string>();
  if (const char* value = env_or_null(env)) return value;
  return fallback;
}

// "7d", "12h", "30m", "45s" or "0" into seconds; nullopt if not that.
std::optional<std::uint64_t> with_unit(
    const std::string& text, const std::string& units,
    const std::vector<std::uint64_t>& scale) {
  if (text == "0") return 0;
  if (text.size() < 2) return std::nullopt;
  const auto unit = units.find(static_cast<char>(std::tolower(text.back())));
  const std::string digits = text.substr(0, text.size() - 1);
  if (unit == std::string::npos || digits.size() > 12 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(digits) * scale[unit];
}

}  // namespace

std::filesystem::path default_plugins_dir() {
  if (const char* xdg = env_or_null("XDG_DATA_HOME")) {
    return std::filesystem::path(xdg) / "eventhost" / "plugins";
  }
  const char* home = env_or_null("HOME");
  return std::filesystem::path(home ? home : ".") / ".local" / "share" /
         "eventhost" / "plugins";
}

po::options_description global_options_description() {
  po::options_description global("Global options");
  // Defaults are applied in resolve_globals() so that the environment can
  // sit between the command line and the default.
  global.add_options()("plugins-dir",
                       po::value<std::string>()->value_name("DIR"),
                       "plugins folder (env EVENTHOST_PLUGINS_DIR; default "
                       "$XDG_DATA_HOME/eventhost/plugins, else "
                       "~/.local/share/eventhost/plugins)")(
      "state", po::value<std::string>()->value_name("FILE"),
      "state database (env EVENTHOST_STATE; default "
      "$XDG_STATE_HOME/eventhost/state.db, else "
      "~/.local/state/eventhost/state.db)")(
      "threads", po::value<unsigned>()->value_name("N"),
      "dispatch threads (default: one per core)")(
      "log-level", po::value<std::string>()->value_name("LEVEL"),
      "trace|debug|info|warn|error|off (env EVENTHOST_LOG_LEVEL; default "
      "info); logs go to stderr")(
      "breaker-threshold", po::value<std::uint32_t>()->value_name("N"),
      "consecutive failures before a plugin is disabled, 0 = never "
      "(default 5)")(
      "retry-attempts", po::value<std::string>()->value_name("N"),
      "deliveries in all for an event a plugin fails, with a doubling "
      "back-off, before it becomes a dead letter; a manifest's \"retry\" "
      "wins (env EVENTHOST_RETRY_ATTEMPTS; default 3)")(
      "max-emit-depth", po::value<std::string>()->value_name("N"),
      "the longest chain of events plugins may emit from one event (each "
      "emitted while handling another is one deeper); deeper emits are "
      "refused, so a plugin cannot start an endless storm (env "
      "EVENTHOST_MAX_EMIT_DEPTH; default 8)")(
      "payload-check", po::value<std::string>()->value_name("MODE"),
      "a payload field of the wrong type for the catalogue: strict refuses "
      "the event (exit 4, HTTP 400), lenient accepts it with a warning "
      "(env EVENTHOST_PAYLOAD_CHECK; default strict)")(
      "durability", po::value<std::string>()->value_name("MODE"),
      "process: an accepted event survives a crash of eventhost (kill -9); "
      "full: also a power cut (fsync per journal batch) (env "
      "EVENTHOST_DURABILITY; default process)")(
      "journal-max-age", po::value<std::string>()->value_name("AGE"),
      "journal events older than this are removed, e.g. 12h, 7d; 0 keeps "
      "them (env EVENTHOST_JOURNAL_MAX_AGE; default 7d)")(
      "journal-max-bytes", po::value<std::string>()->value_name("SIZE"),
      "the oldest journal events go beyond this many bytes of names and "
      "payloads, e.g. 500M, 2G; 0 = no limit (env "
      "EVENTHOST_JOURNAL_MAX_BYTES; default 256M)")("json",
                                                    "print results as JSON")(
      "safe-mode",
      "load no plugin in this run; enabled plugins stay enabled (use it "
      "after a plugin crashed the host)")("help,h",
                                          "show help for the command");
  return global;
}

GlobalOptions resolve_globals(const po::variables_map& vm) {
  GlobalOptions g;
  g.plugins_dir = pick(vm, "plugins-dir", "EVENTHOST_PLUGINS_DIR",
                       default_plugins_dir().string());
  g.state_path =
      pick(vm, "state", "EVENTHOST_STATE", default_state_path().string());
  if (vm.count("threads")) g.threads = vm["threads"].as<unsigned>();
  g.log_level = pick(vm, "log-level", "EVENTHOST_LOG_LEVEL", "info");
  if (vm.count("breaker-threshold")) {
    g.breaker_threshold = vm["breaker-threshold"].as<std::uint32_t>();
  }
  const std::string retries =
      pick(vm, "retry-attempts", "EVENTHOST_RETRY_ATTEMPTS", "3");
  try {
    std::size_t used = 0;
    const unsigned long n = std::stoul(retries, &used);
    if (used != retries.size() || n < 1 || n > 100) throw std::out_of_range("");
    g.retry_attempts = static_cast<std::uint32_t>(n);
  } catch (const std::exception&) {
    throw Error(ErrorKind::kUsage,
                "--retry-attempts must be a number from 1 "
                "to 100, got '" +
                    retries + "'");
  }
  g.max_emit_depth = parse_max_emit_depth(
      pick(vm, "max-emit-depth", "EVENTHOST_MAX_EMIT_DEPTH",
           std::to_string(EmitGuard::kDefaultMaxDepth)));
  g.payload_check = parse_payload_check_option(
      pick(vm, "payload-check", "EVENTHOST_PAYLOAD_CHECK", "strict"));
  const std::string durability =
      pick(vm, "durability", "EVENTHOST_DURABILITY", "process");
  if (durability != "process" && durability != "full") {
    throw Error(
        ErrorKind::kUsage,
        "--durability must be process or full, got '" + durability + "'");
  }
  g.full_durability = durability == "full";
  const std::string age =
      pick(vm, "journal-max-age", "EVENTHOST_JOURNAL_MAX_AGE", "7d");
  const auto seconds = with_unit(age, "smhd", {1, 60, 3600, 86400});
  if (!seconds) {
    throw Error(ErrorKind::kUsage,
                "--journal-max-age takes an age like 12h "
                "or 7d (s, m, h, d), or 0, got '" +
                    age + "'");
  }
  g.journal_max_age = std::chrono::seconds(*seconds);
  const std::string size =
      pick(vm, "journal-max-bytes", "EVENTHOST_JOURNAL_MAX_BYTES", "256M");
  const auto bytes =
      with_unit(size, "kmg", {1ull << 10, 1ull << 20, 1ull << 30});
  if (!bytes) {
    throw Error(ErrorKind::kUsage,
                "--journal-max-bytes takes a size like 500M "
                "or 2G (K, M, G), or 0, got '" +
                    size + "'");
  }
  g.journal_max_bytes = *bytes;
  g.json = vm.count("json") > 0;
  g.safe_mode = vm.count("safe-mode") > 0;
  if (spdlog::level::from_str(g.log_level) == spdlog::level::off &&
      g.log_level != "off") {
    throw Error(ErrorKind::kUsage,
                "invalid log level '" + g.log_level +
                    "'; use one of trace, debug, info, warn, error, off");
  }
  return g;
}

std::uint32_t parse_max_emit_depth(const std::string& text) {
  try {
    std::size_t used = 0;
    const unsigned long n = std::stoul(text, &used);
    if (used != text.size() || text.front() == '-' || n < 1 ||
        n > EmitGuard::kMaxMaxDepth) {
      throw std::out_of_range("");
    }
    return static_cast<std::uint32_t>(n);
  } catch (const std::exception&) {
    throw Error(ErrorKind::kUsage,
                "--max-emit-depth must be a number from 1 to " +
                    std::to_string(EmitGuard::kMaxMaxDepth) + ", got '" + text +
                    "'");
  }
}

PayloadCheck parse_payload_check_option(const std::string& text) {
  const auto mode = parse_payload_check(text);
  if (!mode) {
    throw Error(
        ErrorKind::kUsage,
        "--payload-check must be strict or lenient, got '" + text + "'");
  }
  return *mode;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("eventhost");
  logger->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(std::move(logger));
}

HostOptions host_options(const GlobalOptions& globals,
                         std::function<void(const DeliveryResult&)> observer) {
  HostOptions options;
  options.plugins_dir = globals.plugins_dir;
  options.state_path = globals.state_path;
  options.threads = globals.threads;
  options.breaker_threshold = globals.breaker_threshold;
  options.retry_attempts = globals.retry_attempts;
  options.max_emit_depth = globals.max_emit_depth;
  options.payload_check = globals.payload_check;
  options.durability =
      globals.full_durability ? Durability::kFull : Durability::kProcess;
  options.retention.max_age = globals.journal_max_age;
  options.retention.max_bytes = globals.journal_max_bytes;
  options.observer = std::move(observer);
  options.safe_mode = globals.safe_mode;
  return options;
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return kExitUsage;
    case ErrorKind::kNotFound:
      return kExitNotFound;
    case ErrorKind::kInvalidInput:
      return kExitInvalidInput;
    case ErrorKind::kRefused:
      return kExitRefused;
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
    case ErrorKind::kUnavailable:
      return kExitRuntime;
  }
  return kExitRuntime;
}

void print_error(const std::string& message) {
  std::cout.flush();
  std::cerr << "eventhost: error: " << message << std::endl;
}

}  // namespace eventhost::cli
