// webhook -- POSTs each event that matches its `events` setting to a URL,
// as the journal's JSON or as a Discord or Slack message (webhook_body.hpp),
// optionally signed (signature.hpp). A 2xx answer is success; anything
// else, or no answer in time, fails the delivery so that the host retries
// it and, after the last attempt, keeps it as a dead letter.
//
// No mutex: the manifest leaves "concurrency" at 1, so the host serializes
// every call into this plugin (handlers, configure, shutdown).
#include <chrono>
#include <eventhost/plugin.hpp>
#include <memory>
#include <optional>
#include <string>

#include "http_post.hpp"
#include "signature.hpp"
#include "webhook_body.hpp"
#include "webhook_config.hpp"

namespace {

constexpr const char* kUrlHelp =
    "webhook: set the 'url' setting, e.g. eventhost plugins configure "
    "webhook url=https://discord.com/api/webhooks/ID/TOKEN format=discord";
constexpr std::size_t kErrorBodyChars = 200;

struct State {
  std::optional<webhook::WebhookConfig> config;
  std::unique_ptr<webhook::HttpPoster> poster;
};

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the receiver said, on one line, short enough for a log and a dead
// letter's last error.
std::string answer_text(const webhook::HttpResponse& r) {
  std::string text = std::to_string(r.status);
  if (!r.reason.empty()) text += " " + r.reason;
  std::string body = webhook::truncate_utf8(r.body, kErrorBodyChars);
  for (char& c : body) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (body.find_first_not_of(' ') != std::string::npos) text += ": " + body;
  return text;
}

}  // namespace

EH_PLUGIN_INIT(eventhost::Context& ctx) { ctx.emplace_user_data<State>(); }

EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state == nullptr) return;
  webhook::WebhookConfig config = webhook::parse_config(settings);
  std::unique_ptr<webhook::HttpPoster> poster;
  try {
    poster = std::make_unique<webhook::HttpPoster>(config.ca_file);
  } catch (const std::runtime_error& e) {
    throw eventhost::Failure(EH_ERR_INVALID_ARGUMENT,
                             std::string("webhook: ca_file: ") + e.what());
  }
  // Not an error yet: the operator may enable first and configure next.
  // Each event fails with the same message until the URL is set.
  if (!config.url) ctx.warn(kUrlHelp);
  state->config = std::move(config);
  state->poster = std::move(poster);
}

EH_ON_ANY_EVENT(const eventhost::Event& ev, eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state == nullptr || !state->config) {
    throw eventhost::Failure(EH_ERR_FAILED, "webhook: not configured");
  }
  const webhook::WebhookConfig& config = *state->config;
  if (!config.events.matches(ev.name())) return;
  if (!config.url) throw eventhost::Failure(EH_ERR_INVALID_ARGUMENT, kUrlHelp);

  const std::string body = webhook::webhook_body(config, ev);
  std::vector<std::pair<std::string, std::string>> headers = config.headers;
  headers.emplace_back("X-Eventhost-Event", std::string(ev.name()));
  headers.emplace_back("X-Eventhost-Event-Id", std::to_string(ev.id()));
  headers.emplace_back("X-Eventhost-Attempt", std::to_string(ev.attempt()));
  if (!config.secret.empty()) {
    const std::string timestamp = std::to_string(unix_seconds());
    headers.emplace_back("X-Eventhost-Timestamp", timestamp);
    headers.emplace_back(
        "X-Eventhost-Signature",
        "sha256=" +
            webhook::hmac_sha256_hex(config.secret, timestamp + "." + body));
  }
  const std::string where = "POST " + config.url->origin() + " (" +
                            std::string(ev.name()) + " #" +
                            std::to_string(ev.id()) + ")";
  webhook::HttpResponse response;
  try {
    response =
        state->poster->post(*config.url, body, headers, config.connect_timeout,
                            config.request_timeout);
  } catch (const std::runtime_error& e) {
    throw eventhost::Failure(EH_ERR_FAILED,
                             "webhook: " + where + ": " + e.what());
  }
  if (response.status < 200 || response.status > 299) {
    throw eventhost::Failure(EH_ERR_FAILED, "webhook: " + where + " answered " +
                                                answer_text(response));
  }
  ctx.debug("webhook: " + where + " answered " + answer_text(response));
}

EH_PLUGIN_SHUTDOWN(eventhost::Context& ctx) { ctx.destroy_user_data<State>(); }
