// CliContext -- what every eventhost command shares: the global options
// (plugins folder, state file, threads, log level, breaker, --json), the
// logging set-up, and the translation of errors into exit statuses.
//
// Global options are accepted before or after the command words, so each
// command's option set includes them. A value comes from the command line,
// else its environment variable, else the documented default.
//
// Thread-safety: used by the main thread only.
// Errors: resolve_globals() throws Error(kUsage) for a bad option value.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/error.h"
#include "core/host.h"

namespace eventhost::cli {

namespace po = boost::program_options;

struct GlobalOptions {
  std::filesystem::path plugins_dir;
  std::filesystem::path state_path;
  unsigned threads = 0;  // 0 = one per core
  std::string log_level = "info";
  std::uint32_t breaker_threshold = 5;
  std::uint32_t retry_attempts = 3;  // deliveries in all for a failing event
  bool full_durability = false;      // fsync each journal batch
  std::chrono::seconds journal_max_age{7 * 24 * 3600};  // 0 = no age limit
  std::uint64_t journal_max_bytes = 256ull << 20;       // 0 = no size limit
  bool json = false;
  bool safe_mode = false;  // sessions load no plugin (--safe-mode)
  // The longest chain of plugin emits one event may start.
  std::uint32_t max_emit_depth = EmitGuard::kDefaultMaxDepth;
  // A payload field of the wrong type: refuse the event, or accept it
  // with a warning (--payload-check).
  PayloadCheck payload_check = PayloadCheck::kStrict;
};

// The options every command accepts, for parsing and for --help.
po::options_description global_options_description();

// The documented default plugins folder: $XDG_DATA_HOME/eventhost/plugins,
// else ~/.local/share/eventhost/plugins.
std::filesystem::path default_plugins_dir();

// Reads the parsed global options, filling gaps from the environment and
// the defaults.
GlobalOptions resolve_globals(const po::variables_map& vm);

// `text` as a --max-emit-depth value; throws Error(kUsage) naming the
// range for anything else.
std::uint32_t parse_max_emit_depth(const std::string& text);

// `text` as a --payload-check value; throws Error(kUsage) naming the two
// for anything else.
PayloadCheck parse_payload_check_option(const std::string& text);

// Sends logs to stderr at `level` (trace|debug|info|warn|error|off).
void setup_logging(const std::string& level);

// The options a Host is built with; `observer` may be empty.
HostOptions host_options(
    const GlobalOptions& globals,
    std::function<void(const DeliveryResult&)> observer = {});

// The exit status for an error of `kind`.
int exit_code_for(ErrorKind kind);

// Prints "eventhost: error: <message>" on stderr.
void print_error(const std::string& message);

}  // namespace eventhost::cli
