// Where the built plugins are, for the tests that load them through
// eventhost/testing.hpp as their authors would.
#pragma once

#include <string>

// <build>/plugins/<name>.so, a plugin that ships with eventhost.
inline std::string shipped_plugin(const std::string& name) {
  return std::string(EH_PLUGINS_DIR) + "/" + name + ".so";
}

// <build>/tests/plugins/<name>.so, a test-only plugin.
inline std::string test_plugin(const std::string& name) {
  return std::string(EH_TEST_PLUGINS_DIR) + "/" + name + ".so";
}
