// WebhookConfig -- the webhook plugin's settings, checked and parsed once
// per configure, so a value that cannot work is refused when the operator
// sets it (`eventhost plugins configure webhook ...` says why) instead of
// failing every delivery later.
//
// Thread-safety: an immutable value after parse_config(). Errors:
// parse_config() throws eventhost::Failure(EH_ERR_INVALID_ARGUMENT) naming
// the setting, what is wrong and an example of a good value.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event_patterns.hpp"
#include "http_post.hpp"
#include "message_template.hpp"

namespace webhook {

enum class Format { kJson, kDiscord, kSlack };

// connect_timeout_ms + timeout_ms may not exceed this: the manifest's
// timeout_ms (65000) must stay above a whole delivery, or the host would
// count a slow but working delivery as timed out (and, in the process
// tier, kill the worker in the middle of it).
inline constexpr long kMaxTotalTimeoutMs = 60000;

struct WebhookConfig {
  std::optional<Url> url;  // nullopt until the operator sets one
  eventhost_plugins::EventPatterns events;
  Format format = Format::kJson;
  MessageTemplate default_template;
  // From `templates`: exact event names first, then patterns from the
  // longest (most specific) to the shortest; the first match wins.
  std::vector<std::pair<std::string, MessageTemplate>> templates;
  std::string secret;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  std::string ca_file;

  const MessageTemplate& template_for(std::string_view event) const;
};

WebhookConfig parse_config(const nlohmann::json& settings);

}  // namespace webhook
