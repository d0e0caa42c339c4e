#include "cluster/cluster_keys.h"

#include <cctype>

#include "common/error.h"

namespace eventhost::cluster {

void check_prefix(const std::string& prefix) {
  const bool ok = !prefix.empty() && prefix.size() <= 64 &&
                  std::all_of(prefix.begin(), prefix.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) ||
                           c == '_' || c == '.' || c == ':' || c == '-';
                  });
  if (!ok) {
    throw Error(ErrorKind::kUsage,
                "invalid --cluster-prefix '" + prefix +
                    "': use 1 to 64 letters, digits, _ . : or -");
  }
}

void check_node_name(const std::string& node) {
  const bool ok =
      !node.empty() && node.size() <= 128 &&
      std::all_of(node.begin(), node.end(), [](char c) {
        return std::isgraph(static_cast<unsigned char>(c)) && c != '@';
      });
  if (!ok) {
    throw Error(ErrorKind::kUsage,
                "invalid --node '" + node +
                    "': use 1 to 128 printable characters, no spaces or @");
  }
}

}  // namespace eventhost::cluster
