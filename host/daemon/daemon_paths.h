// Where a daemon keeps its files, all derived from the state file so that
// one state means one daemon: <state>.sock (the control socket, 0600),
// <state>.token (the API token, 0600) and <state>.daemon.json (what the
// running daemon listens on, for scripts and the CLI).
//
// Thread-safety: free functions on values.
#pragma once

#include <filesystem>

namespace eventhost {

std::filesystem::path control_socket_path(const std::filesystem::path& state);
std::filesystem::path default_token_path(const std::filesystem::path& state);
std::filesystem::path daemon_info_path(const std::filesystem::path& state);

}  // namespace eventhost
