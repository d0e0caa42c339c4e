// BenchWorld -- a Host on a scratch folder with the benchmark's no-op
// plugins (noop_1 .. noop_P, distinct keys) enabled and started, and the
// same plugins' handlers opened with dlopen/dlsym for the raw floor.
#pragma once

#include <dlfcn.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_scratch.h"
#include "core/host.h"

namespace eventhost::bench {

inline fs::path bench_plugin(const std::string& file) {
  return fs::path(EH_BINARY_DIR) / "tests" / "bench" / "plugins" / file;
}

// The handlers of `plugins` bench no-op plugins, each resolved with dlsym
// from its own file: the direct call a host-less program would make.
class RawHandlers {
 public:
  explicit RawHandlers(int plugins) {
    for (int i = 1; i <= plugins; ++i) {
      const std::string path =
          bench_plugin("noop_" + std::to_string(i) + ".so").string();
      void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (lib == nullptr) throw std::runtime_error(dlerror());
      libs_.push_back(lib);
      auto* fn =
          reinterpret_cast<eh_handler_fn>(dlsym(lib, "on_channel_created"));
      if (fn == nullptr) throw std::runtime_error(path + ": no handler");
      handlers_.push_back(fn);
    }
  }
  ~RawHandlers() {
    for (void* lib : libs_) dlclose(lib);
  }
  RawHandlers(const RawHandlers&) = delete;
  RawHandlers& operator=(const RawHandlers&) = delete;
  const std::vector<eh_handler_fn>& handlers() const { return handlers_; }

 private:
  std::vector<void*> libs_;
  std::vector<eh_handler_fn> handlers_;
};

// A started Host with `plugins` bench no-op plugins enabled, journal off
// unless asked (its cost is measured on its own), on `threads` threads.
struct BenchWorld {
  BenchWorld(int plugins, unsigned threads, bool journal = false) {
    HostOptions options;
    options.plugins_dir = scratch.root / "plugins";
    options.state_path = scratch.root / "state.db";
    options.threads = threads;
    options.journal = journal;
    for (int i = 1; i <= plugins; ++i) {
      scratch.add_plugin(bench_plugin("noop_" + std::to_string(i) + ".so"));
    }
    host = std::make_unique<Host>(options);
    for (int i = 1; i <= plugins; ++i)
      host->enable("noop_" + std::to_string(i));
    const auto problems = host->start(false);
    if (!problems.empty()) throw std::runtime_error(problems.front());
  }
  ~BenchWorld() {
    if (host) host->stop();
  }

  // Deliveries that ended well, over every plugin.
  std::uint64_t delivered() const {
    std::uint64_t n = 0;
    for (const auto& [key, stats] : host->runner_stats()) n += stats.delivered;
    return n;
  }

  Scratch scratch;
  std::unique_ptr<Host> host;
};

}  // namespace eventhost::bench
