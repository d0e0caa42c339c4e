// libFuzzer target: any bytes as an `eventhost run --config` file, read by
// cli::read_config with the daemon's keys. Checked: nothing crashes, the
// only error is Error(kUsage) (the CLI's exit status 2 with a message),
// and every key read back is one of the keys asked for.
//   build-asan/tests/cli/fuzz_config_file -max_total_time=60 \
//     tests/fuzz/corpus/fuzz_config_file
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static const std::vector<std::string> keys = {"listen",
                                                "token-file",
                                                "max-body",
                                                "heartbeat-ms",
                                                "grace-ms",
                                                "stream-ring",
                                                "client-queue",
                                                "rescan-ms",
                                                "plugins-dir",
                                                "state",
                                                "log-level",
                                                "threads",
                                                "breaker-threshold",
                                                "max-emit-depth",
                                                "stdin"};
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    for (const auto& [key, value] :
         eventhost::cli::read_config(in, "fuzz.conf", keys)) {
      (void)value;
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) std::abort();
    }
  } catch (const eventhost::Error& e) {
    if (e.kind() != eventhost::ErrorKind::kUsage) std::abort();
  }
  return 0;
}
