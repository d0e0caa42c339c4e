// SharedPluginConfig -- one plugin's configuration as a cluster shares it
// between its nodes (cluster/cluster_config.h keeps it in Redis): whether
// it is enabled, the SHA-256 pinned when it was, where it runs and the
// settings a user chose. What is a node's own (counters, cursors, why its
// breaker stopped the plugin) is not part of it.
//
// Thread-safety: a value.
#pragma once

#include <map>
#include <string>

namespace eventhost {

struct SharedPluginConfig {
  std::string key;
  bool enabled = false;
  std::string sha256;     // the pin; "" if never enabled
  std::string isolation;  // "thread", "process", or "" (as the manifest asks)
  // The values a user set, by setting id, as JSON text; a setting not
  // here has its manifest default.
  std::map<std::string, std::string> settings;
};

}  // namespace eventhost
