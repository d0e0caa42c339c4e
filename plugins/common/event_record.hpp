// event_record.hpp -- an event as the journal shows it, for the plugins
// that send events out of the host (webhook, mqtt, exec).
//
//   {"id":42,"event":"channel.created","level":"FULL",
//    "time":"2026-05-01T12:00:00.123456Z","emitted_at_us":1777636800123456,
//    "payload":{"channel_name":"News"}}
//
// This is the shape of `eventhost journal show --json` and of the daemon's
// GET /api/journal, so a receiver parses one format whichever way it gets
// events. Header-only and built on plugin.hpp alone, like the plugins that
// include it: nothing here reaches into host/.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <eventhost/plugin.hpp>
#include <string>
#include <string_view>

namespace eventhost_plugins {

inline const char* level_name(std::uint32_t level) {
  switch (level) {
    case EH_LEVEL_CRITICAL:
      return "CRITICAL";
    case EH_LEVEL_SYSTEM:
      return "SYSTEM";
    case EH_LEVEL_FULL:
      return "FULL";
    default:
      return "UNKNOWN";
  }
}

// "2026-05-01T12:00:00.123456Z", as the journal writes `time`.
inline std::string iso_utc(std::int64_t unix_us) {
  std::int64_t seconds = unix_us / 1000000;
  std::int64_t fraction = unix_us % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  const std::size_t n =
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%06lldZ",
                static_cast<long long>(fraction));
  return text;
}

// The event as one line of JSON text (no trailing newline). Built as text:
// the name is [a-z0-9_.] and the payload a JSON object the host has
// already checked and minified, so both go in as they are.
inline std::string event_record(const eventhost::Event& ev) {
  const std::string_view payload = ev.raw_payload();
  std::string out;
  out.reserve(128 + ev.name().size() + payload.size());
  out.append("{\"id\":")
      .append(std::to_string(ev.id()))
      .append(",\"event\":\"")
      .append(ev.name())
      .append("\",\"level\":\"")
      .append(level_name(ev.level()))
      .append("\",\"time\":\"")
      .append(iso_utc(ev.emitted_at_us()))
      .append("\",\"emitted_at_us\":")
      .append(std::to_string(ev.emitted_at_us()))
      .append(",\"payload\":")
      .append(payload.empty() ? std::string_view("{}") : payload)
      .append("}");
  return out;
}

}  // namespace eventhost_plugins
