#include "daemon/daemon_paths.h"

namespace eventhost {
namespace {

std::filesystem::path with_suffix(const std::filesystem::path& state,
                                  const char* suffix) {
  return std::filesystem::path(state.string() + suffix);
}

}  // namespace

std::filesystem::path control_socket_path(const std::filesystem::path& state) {
  return with_suffix(state, ".sock");
}

std::filesystem::path default_token_path(const std::filesystem::path& state) {
  return with_suffix(state, ".token");
}

std::filesystem::path daemon_info_path(const std::filesystem::path& state) {
  return with_suffix(state, ".daemon.json");
}

}  // namespace eventhost
