// Exit codes of the eventhost executable: the contract scripts rely on.
//
// Each status names one kind of outcome so a caller can react without
// parsing messages. `eventhost --help` prints this table; keep the two in
// step (kExitCodeHelp below is that text).
#pragma once

namespace eventhost::cli {

enum ExitCode : int {
  kExitOk = 0,              // success
  kExitRuntime = 1,         // state/file I/O failed, a plugin failed to start
  kExitUsage = 2,           // malformed command line
  kExitNotFound = 3,        // unknown plugin, event, action or setting
  kExitInvalidInput = 4,    // bad JSON or field type, bad setting, bad plugin
  kExitRefused = 5,         // unusable or changed plugin, a rule forbids it
  kExitDeliveryFailed = 6,  // emitted, but a delivery failed or was dropped
};

inline constexpr const char* kExitCodeHelp =
    "Exit status:\n"
    "  0  success\n"
    "  1  runtime failure (state or file I/O, a plugin failed to start)\n"
    "  2  usage error\n"
    "  3  not found (unknown plugin, event, action or setting)\n"
    "  4  invalid input (bad JSON, a payload field of the wrong type, bad\n"
    "     setting value, invalid plugin file)\n"
    "  5  refused (unusable or changed plugin, a rule forbids it)\n"
    "  6  emitted, but at least one delivery failed or was dropped\n";

}  // namespace eventhost::cli
