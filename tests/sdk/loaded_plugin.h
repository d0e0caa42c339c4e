// Loads a built plugin with dlopen for the shipped-plugin tests, which
// drive its exported functions directly against recording_host. The host's
// own loader is tested in tests/loader; here the plugins are the unit.
#pragma once

#include <dlfcn.h>
#include <eventhost/plugin.h>

#include <stdexcept>
#include <string>

#include "recording_host.h"

class LoadedPlugin {
 public:
  // Loads <dir>/<name>.so and runs its eh_plugin_init.
  explicit LoadedPlugin(const std::string& name,
                        const std::string& dir = EH_PLUGINS_DIR)
      : handle_(
            dlopen((dir + "/" + name + ".so").c_str(), RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) throw std::runtime_error(dlerror());
    if (auto init = symbol<eh_init_fn>("eh_plugin_init")) {
      init_rc = init(recording_host::api(), &ctx);
    }
  }
  ~LoadedPlugin() {
    if (auto shutdown = symbol<eh_shutdown_fn>("eh_plugin_shutdown")) {
      shutdown(&ctx);
    }
    dlclose(handle_);
  }
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  template <class Fn>
  Fn symbol(const char* name) const {
    return reinterpret_cast<Fn>(dlsym(handle_, name));
  }

  std::int32_t configure(const std::string& settings_json) {
    auto fn = symbol<eh_configure_fn>("eh_plugin_configure");
    if (fn == nullptr) throw std::runtime_error("no eh_plugin_configure");
    return fn(&ctx, settings_json.c_str());
  }

  std::int32_t action(const char* id, const std::string& params_json) {
    auto fn = symbol<eh_action_fn>("eh_plugin_action");
    if (fn == nullptr) throw std::runtime_error("no eh_plugin_action");
    return fn(&ctx, id, params_json.c_str());
  }

  // Delivers `ev` to `handler`, as the host would.
  std::int32_t deliver(const char* handler, const eh_event& ev) {
    auto fn = symbol<eh_handler_fn>(handler);
    if (fn == nullptr) throw std::runtime_error(std::string("no ") + handler);
    return fn(&ev, &ctx);
  }

  eh_context ctx;
  std::int32_t init_rc = EH_OK;

 private:
  void* handle_;
};
