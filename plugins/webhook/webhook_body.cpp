#include "webhook_body.hpp"

#include "event_record.hpp"

namespace webhook {
namespace {

constexpr std::size_t kDiscordMaxChars = 2000;

std::string slack_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string truncate_utf8(const std::string& text, std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t cut = std::string::npos;  // byte offset of char max_chars - 1
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte
    if (chars == max_chars - 1) cut = i;
    if (++chars > max_chars) return text.substr(0, cut) + "\xE2\x80\xA6";
  }
  return text;
}

std::string webhook_body(const WebhookConfig& config,
                         const eventhost::Event& ev) {
  if (config.format == Format::kJson) {
    return eventhost_plugins::event_record(ev);
  }
  TemplateValues values;
  values.event = ev.name();
  values.id = ev.id();
  values.level = eventhost_plugins::level_name(ev.level());
  values.time = eventhost_plugins::iso_utc(ev.emitted_at_us());
  values.attempt = ev.attempt();
  values.payload = &ev.payload();
  const MessageTemplate& tmpl = config.template_for(ev.name());
  nlohmann::json body;
  if (config.format == Format::kDiscord) {
    body["content"] = truncate_utf8(tmpl.render(values), kDiscordMaxChars);
    body["allowed_mentions"] = {{"parse", nlohmann::json::array()}};
  } else {
    body["text"] = tmpl.render(values, slack_escape);
  }
  // A payload string may hold bytes that are not UTF-8; replace them
  // rather than fail the delivery over one bad character.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace webhook
