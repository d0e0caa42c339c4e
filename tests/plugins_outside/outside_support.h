// Small helpers shared by the tests of the plugins that reach the outside
// (webhook, mqtt, exec).
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace eventhost::test {

// How long a test waits for something that should come at once; a bound
// against hangs, never a measurement.
inline constexpr std::chrono::seconds kPatience{20};

// The built plugin file `name` ("webhook.so") in the build's plugins folder.
inline std::string shipped_plugin(const std::string& name) {
  return (std::filesystem::path(EH_PLUGINS_DIR) / name).string();
}

// `text` as a JSON string, the form settings take in testing.hpp.
inline std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump();
}

// HMAC-SHA256 in lower-case hex, computed by the test with OpenSSL, to
// check the webhook's signature independently of the plugin's code.
std::string hmac_sha256_hex(const std::string& key, const std::string& text);

// Writes an executable script (mode 0755).
void write_script(const std::filesystem::path& file, const std::string& text);

// True while a process with this pid exists and is not a zombie.
bool process_alive(long pid);

}  // namespace eventhost::test
