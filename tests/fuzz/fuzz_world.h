// FuzzWorld -- the insides of a daemon for the fuzz targets that go
// through the HTTP API: a started Host on a fresh state file in a folder
// of its own (its plugins folder is empty, so no plugin code runs), the
// live stream, the metrics and the API router, wired as run_daemon() wires
// them. Made once per fuzzing process, on first use; the folder is removed
// at exit.
//
// Thread-safety: get() from the fuzzing thread.
#pragma once

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/api_router.h"
#include "api/daemon_metrics.h"
#include "core/host.h"
#include "stream/event_stream.h"

namespace eventhost::fuzz {

class FuzzWorld {
 public:
  static constexpr const char* kToken = "fuzz-token";

  static FuzzWorld& get() {
    static FuzzWorld world;
    return world;
  }

  std::filesystem::path root;
  EventStream stream{{64, 16}};
  DaemonMetrics metrics;
  std::unique_ptr<Host> host;
  std::unique_ptr<ApiRouter> router;

 private:
  FuzzWorld() {
    spdlog::set_level(spdlog::level::off);  // millions of requests
    std::string dir =
        (std::filesystem::temp_directory_path() / "eventhost-fuzz.XXXXXX")
            .string();
    root = ::mkdtemp(dir.data());
    std::filesystem::permissions(root, std::filesystem::perms(0755));
    std::filesystem::create_directory(root / "plugins");
    std::filesystem::permissions(root / "plugins",
                                 std::filesystem::perms(0755));
    HostOptions options;
    options.plugins_dir = root / "plugins";
    options.state_path = root / "state" / "eventhost.db";
    options.threads = 1;
    options.shutdown_grace = std::chrono::milliseconds(1000);
    options.on_emitted = [this](const Event& e) {
      stream.publish({e.id, e.name, e.payload, e.emitted_at_us});
      metrics.on_emitted(e);
    };
    options.on_suppressed = [this](const std::string& name, LevelSet level) {
      metrics.on_suppressed(name, level);
    };
    host = std::make_unique<Host>(options);
    host->start(false);
    metrics.watch(*host, stream);
    router = std::make_unique<ApiRouter>(*host, stream, metrics, kToken);
    router->set_ready(true);
  }
  ~FuzzWorld() {
    router.reset();
    host.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
};

}  // namespace eventhost::fuzz
