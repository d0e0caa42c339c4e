#include "cli/daemon_client.h"

#include <cctype>

#include "api/api_response.h"
#include "daemon/daemon_paths.h"

namespace eventhost::cli {

HttpResponse DaemonClient::send(const std::string& method,
                                const std::string& target,
                                const std::string& body,
                                const std::string& content_type,
                                std::map<std::string, std::string> headers) {
  headers["Content-Type"] = content_type;
  return connection_->send(method, target, body, headers);
}

nlohmann::json DaemonClient::call(const std::string& method,
                                  const std::string& target,
                                  const std::string& body,
                                  const std::string& content_type) {
  const HttpResponse res = send(method, target, body, content_type);
  if (res.status / 100 != 2) throw_api_error(res);
  return nlohmann::json::parse(res.body, nullptr, false);
}

void throw_api_error(const HttpResponse& res) {
  const auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (body.is_object() && body.contains("error")) {
    throw Error(error_kind_from_name(body.value("kind", "internal")),
                body["error"].get<std::string>());
  }
  throw Error(
      ErrorKind::kInternal,
      "the daemon answered " + std::to_string(res.status) + ": " + res.body);
}

std::unique_ptr<DaemonClient> connect_daemon(const GlobalOptions& globals) {
  const auto socket = control_socket_path(globals.state_path);
  std::error_code ec;
  if (!std::filesystem::exists(socket, ec)) return nullptr;
  std::unique_ptr<DaemonClient> client;
  try {
    client =
        std::make_unique<DaemonClient>(HttpConnection::connect_unix(socket));
  } catch (const Error&) {
    return nullptr;  // left over from a daemon that died: work locally
  }
  if (globals.safe_mode) {
    // The daemon's plugins are already loaded; this command cannot unload
    // them, and quietly going around the daemon would be worse.
    throw Error(ErrorKind::kRefused,
                "a daemon is running on " + globals.state_path.string() +
                    " with its plugins loaded, so --safe-mode cannot apply to "
                    "this command; stop the daemon, or restart it with "
                    "`eventhost run --safe-mode`");
  }
  return client;
}

std::string url_segment(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace eventhost::cli
