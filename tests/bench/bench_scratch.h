// Scratch -- a private folder for one benchmark round holding a plugins
// folder with the no-op test plugin, and room for a fresh state file.
// Removed afterwards.
#pragma once

#include <filesystem>
#include <random>
#include <string>

namespace eventhost::bench {

namespace fs = std::filesystem;

struct Scratch {
  Scratch() {
    root = fs::temp_directory_path() /
           ("eh-bench-" + std::to_string(std::random_device{}()));
    fs::create_directories(root / "plugins");
    fs::permissions(root, fs::perms(0755));
    fs::permissions(root / "plugins", fs::perms(0755));
    add_plugin(fs::path(EH_TEST_PLUGINS_DIR) / "noop.so");
  }
  // Copies the plugin file `from` into the plugins folder, as a user would
  // install it (mode 0644, so the host accepts it).
  void add_plugin(const fs::path& from) {
    const fs::path plugin = root / "plugins" / from.filename();
    fs::copy_file(from, plugin, fs::copy_options::overwrite_existing);
    fs::permissions(plugin, fs::perms(0644));
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
  fs::path root;
};

}  // namespace eventhost::bench
