// DaemonClient -- how CLI commands reach a running daemon: HTTP requests
// over the control socket next to the state file (<state>.sock), answered
// by the same API routes as the TCP port. The socket's 0600 mode is the
// authorization, so no token is sent.
//
// Every command first asks connect_daemon(): with a daemon, its change
// applies live to the running plugins; without one, the command works on
// the state file directly, as before.
//
// Thread-safety: main thread only.
// Errors: call() throws Error with the kind and message of the API's error
// body, so the command's exit status is the same as without a daemon;
// Error(kIo) if the daemon stops answering.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_context.h"
#include "http/http_client.h"

namespace eventhost::cli {

class DaemonClient {
 public:
  explicit DaemonClient(std::unique_ptr<HttpConnection> connection)
      : connection_(std::move(connection)) {}

  // Sends a request; returns the JSON body of a 2xx answer.
  nlohmann::json call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::string& content_type = "application/json");

  // The raw answer, whatever its status (for callers that handle errors
  // themselves, like the NDJSON batch sender).
  // `headers` are sent besides the Content-Type.
  HttpResponse send(const std::string& method, const std::string& target,
                    const std::string& body, const std::string& content_type,
                    std::map<std::string, std::string> headers = {});

 private:
  std::unique_ptr<HttpConnection> connection_;
};

// The running daemon for `globals.state_path`, or nullptr if none answers.
std::unique_ptr<DaemonClient> connect_daemon(const GlobalOptions& globals);

// Throws the Error an API error answer describes.
[[noreturn]] void throw_api_error(const HttpResponse& response);

// Percent-encodes a path segment (a plugin key or action id).
std::string url_segment(const std::string& text);

}  // namespace eventhost::cli
