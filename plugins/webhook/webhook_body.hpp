// The body the webhook POSTs for one event, by `format`:
//   json     the event as the journal has it (event_record.hpp)
//   discord  {"content": "<message>", "allowed_mentions": {"parse": []}}
//            (Discord's execute-webhook body; at most 2000 characters,
//            longer messages end in "…"; no @everyone, @here, user or
//            role mention from a payload value ever pings anyone)
//   slack    {"text": "<message>"} (an incoming webhook), with &, < and >
//            in inserted values escaped as Slack asks, so a payload value
//            cannot make a link or an @channel
// where <message> is the event's template (WebhookConfig::template_for)
// filled from the event.
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <eventhost/plugin.hpp>
#include <string>

#include "webhook_config.hpp"

namespace webhook {

std::string webhook_body(const WebhookConfig& config,
                         const eventhost::Event& ev);

// The first `max_chars` UTF-8 characters of `text`; if it was longer, the
// first max_chars - 1 and "…".
std::string truncate_utf8(const std::string& text, std::size_t max_chars);

}  // namespace webhook
