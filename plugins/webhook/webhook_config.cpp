#include "webhook_config.hpp"

#include <algorithm>
#include <stdexcept>

namespace webhook {
namespace {

using eventhost::Failure;

[[noreturn]] void refuse(const std::string& setting, const std::string& why) {
  throw Failure(EH_ERR_INVALID_ARGUMENT, "webhook: " + setting + ": " + why);
}

std::string text_setting(const nlohmann::json& settings, const char* id,
                         const char* fallback) {
  const auto it = settings.find(id);
  if (it == settings.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::chrono::milliseconds timeout_setting(const nlohmann::json& settings,
                                          const char* id, long fallback) {
  const auto it = settings.find(id);
  if (it == settings.end() || it->is_null()) {
    return std::chrono::milliseconds(fallback);
  }
  const double value = it->is_number() ? it->get<double>() : -1;
  if (value < 1 || value > kMaxTotalTimeoutMs ||
      value != static_cast<double>(static_cast<long>(value))) {
    refuse(id, it->dump() +
                   " is not a whole number of milliseconds from 1 "
                   "to " +
                   std::to_string(kMaxTotalTimeoutMs));
  }
  return std::chrono::milliseconds(static_cast<long>(value));
}

// A JSON object text from a string setting ("{}" when empty).
nlohmann::json object_setting(const nlohmann::json& settings, const char* id,
                              const char* example) {
  std::string text = text_setting(settings, id, "{}");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) text = "{}";
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    refuse(id, "expects a JSON object, e.g. " + std::string(example) +
                   "; got " + text);
  }
  return parsed;
}

MessageTemplate parse_template(const std::string& where,
                               const std::string& text) {
  try {
    return MessageTemplate::parse(text);
  } catch (const std::invalid_argument& e) {
    refuse(where, e.what());
  }
}

bool is_token_char(char c) {
  // RFC 9110 tchar
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::vector<std::pair<std::string, std::string>> parse_headers(
    const nlohmann::json& settings) {
  const char* example = R"({"Authorization": "Bearer abc123"})";
  const nlohmann::json object = object_setting(settings, "headers", example);
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : object.items()) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
      refuse("headers", "'" + name + "' is not a header name");
    }
    const std::string l = lower(name);
    if (l == "host" || l == "content-length" || l == "transfer-encoding" ||
        l == "connection" || l.rfind("x-eventhost-", 0) == 0) {
      refuse("headers", "'" + name +
                            "' is set by the plugin itself and cannot be "
                            "replaced");
    }
    if (!value.is_string()) {
      refuse("headers",
             "the value of '" + name + "' must be a string, e.g. " + example);
    }
    const std::string v = value.get<std::string>();
    if (v.find_first_of("\r\n") != std::string::npos ||
        v.find('\0') != std::string::npos) {
      refuse("headers", "the value of '" + name + "' has a line break");
    }
    headers.emplace_back(name, v);
  }
  return headers;
}

}  // namespace

const MessageTemplate& WebhookConfig::template_for(
    std::string_view event) const {
  for (const auto& [pattern, tmpl] : templates) {
    if (eventhost_plugins::glob_match(pattern, event)) return tmpl;
  }
  return default_template;
}

WebhookConfig parse_config(const nlohmann::json& settings) {
  WebhookConfig c;
  const std::string url = text_setting(settings, "url", "");
  if (!url.empty()) {
    try {
      c.url = parse_url(url);
    } catch (const std::invalid_argument& e) {
      refuse("url", e.what());
    }
  }
  c.events = eventhost_plugins::EventPatterns::parse(
      text_setting(settings, "events", "*"), "webhook: events");
  const std::string format = text_setting(settings, "format", "json");
  if (format == "discord") {
    c.format = Format::kDiscord;
  } else if (format == "slack") {
    c.format = Format::kSlack;
  } else if (format != "json") {
    refuse("format", "'" + format + "' is not json, discord or slack");
  }
  c.default_template = parse_template(
      "template",
      text_setting(settings, "template", "{event} #{id}: {payload}"));
  const nlohmann::json templates =
      object_setting(settings, "templates",
                     R"({"channel.created": "New channel {channel_name}"})");
  for (const auto& [pattern, text] : templates.items()) {
    if (!eventhost_plugins::is_event_pattern(pattern)) {
      refuse("templates", "'" + pattern +
                              "' is not an event name or pattern such as "
                              "channel.created or recording.*");
    }
    if (!text.is_string()) {
      refuse("templates",
             "the template for '" + pattern + "' must be a string");
    }
    c.templates.emplace_back(pattern, parse_template("templates: " + pattern,
                                                     text.get<std::string>()));
  }
  // Exact names first, then the more specific (longer) patterns.
  std::stable_sort(
      c.templates.begin(), c.templates.end(), [](const auto& a, const auto& b) {
        const bool a_exact = a.first.find('*') == std::string::npos;
        const bool b_exact = b.first.find('*') == std::string::npos;
        if (a_exact != b_exact) return a_exact;
        return a.first.size() > b.first.size();
      });
  c.secret = text_setting(settings, "secret", "");
  c.headers = parse_headers(settings);
  c.connect_timeout = timeout_setting(settings, "connect_timeout_ms", 5000);
  c.request_timeout = timeout_setting(settings, "timeout_ms", 10000);
  if ((c.connect_timeout + c.request_timeout).count() > kMaxTotalTimeoutMs) {
    refuse("connect_timeout_ms + timeout_ms",
           std::to_string((c.connect_timeout + c.request_timeout).count()) +
               " ms is more than the " + std::to_string(kMaxTotalTimeoutMs) +
               " ms a delivery may take; lower one of them");
  }
  c.ca_file = text_setting(settings, "ca_file", "");
  return c;
}

}  // namespace webhook
