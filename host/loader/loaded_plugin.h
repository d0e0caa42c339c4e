// LoadedPlugin -- a plugin library mapped into the process (dlopen), with
// its exported functions resolved. Only an enabled plugin is ever loaded.
//
// Thread-safety: immutable after load(); the function pointers may be used
// from any thread while the LoadedPlugin lives. Destroying it unloads the
// library: the caller must make sure no call into the plugin is running.
// Errors: load() throws Error(kRefused) if the library cannot be loaded or
// its exported eh_abi_version differs in major version from the host's.
#pragma once

#include <eventhost/plugin.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "loader/plugin_file.h"

namespace eventhost {

class LoadedPlugin {
 public:
  // `file` must be usable(). Resolves exactly the symbols discovery listed.
  // With `expected_sha256` (the pin), the file is read once, its digest
  // checked, and the library loaded from that private in-memory copy: the
  // code that runs is exactly the code that was pinned, and replacing the
  // file in place later cannot corrupt the loaded plugin. Refuses with
  // kRefused if the digest differs.
  static std::unique_ptr<LoadedPlugin> load(
      const PluginFile& file, const std::string& expected_sha256 = "");
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  // The handler for `symbol` (e.g. "on_channel_created"), nullptr if none.
  eh_handler_fn handler(const std::string& symbol) const;
  eh_handler_fn catch_all() const { return catch_all_; }
  eh_init_fn init() const { return init_; }
  eh_configure_fn configure() const { return configure_; }
  eh_shutdown_fn shutdown() const { return shutdown_; }
  eh_action_fn action() const { return action_; }

 private:
  LoadedPlugin() = default;
  struct Library;  // hides boost::dll from every includer
  std::unique_ptr<Library> library_;
  std::unordered_map<std::string, eh_handler_fn> handlers_;
  eh_handler_fn catch_all_ = nullptr;
  eh_init_fn init_ = nullptr;
  eh_configure_fn configure_ = nullptr;
  eh_shutdown_fn shutdown_ = nullptr;
  eh_action_fn action_ = nullptr;
};

}  // namespace eventhost
