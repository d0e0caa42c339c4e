#include "cli/journal_query.h"

#include <chrono>
#include <ctime>
#include <optional>

#include "api/journal_ops.h"
#include "cli/daemon_client.h"
#include "common/error.h"

namespace eventhost::cli {
namespace {

const char* const kSinceHelp =
    "--since takes an event id (42: the events after it), a UTC time "
    "(2026-12-01T09:00:00Z) or an age (30s, 10m, 2h, 1d)";

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-12-01T09:00:00Z", "2026-12-01T09:00Z", "2026-12-01T09:00:00.5Z"
// or "2026-12-01" (midnight UTC) -> microseconds since the epoch.
std::optional<std::int64_t> parse_utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
  double fraction = 0;
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 ||
      used != 10) {
    return std::nullopt;
  }
  std::string rest = text.substr(10);
  if (!rest.empty()) {
    if (rest.back() != 'Z' || (rest[0] != 'T' && rest[0] != 't')) {
      return std::nullopt;
    }
    rest = rest.substr(1, rest.size() - 2);
    int n = 0;
    if (std::sscanf(rest.c_str(), "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5) {
      return std::nullopt;
    }
    if (rest.size() > 5) {
      int m = 0;
      if (std::sscanf(rest.c_str() + 5, ":%2d%n", &s, &m) != 1 || m != 3) {
        return std::nullopt;
      }
      const std::string frac = rest.substr(8);
      if (!frac.empty()) {
        if (frac[0] != '.' || frac.size() < 2 || !all_digits(frac.substr(1))) {
          return std::nullopt;
        }
        fraction = std::stod("0" + frac);
      }
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != d) return std::nullopt;  // 2026-02-31 rolled over
  return static_cast<std::int64_t>(t) * 1000000 +
         static_cast<std::int64_t>(fraction * 1e6);
}

// "10m" -> microseconds ago; nullopt if not an age.
std::optional<std::int64_t> parse_age(const std::string& text) {
  if (text.size() < 2 || !all_digits(text.substr(0, text.size() - 1)) ||
      text.size() > 10) {
    return std::nullopt;
  }
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  return std::stoll(text.substr(0, text.size() - 1)) * unit * 1000000;
}

}  // namespace

bool all_digits(const std::string& text) {
  return !text.empty() &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

// --since and --event into a query.
JournalQuery query_of(const Invocation& inv) {
  JournalQuery query;
  if (inv.vm.count("since")) {
    const std::string since = inv.vm["since"].as<std::string>();
    if (all_digits(since)) {
      if (since.size() > 18) {
        throw Error(ErrorKind::kUsage, std::string(kSinceHelp) + ", got '" +
                                           since + "' (too large)");
      }
      query.after_id = std::stoull(since);
    } else if (const auto age = parse_age(since)) {
      query.since_us = now_us() - *age;
    } else if (const auto time = parse_utc(since)) {
      query.since_us = *time;
    } else {
      const bool local =
          since.find('T') != std::string::npos && since.back() != 'Z';
      throw Error(ErrorKind::kUsage,
                  std::string(kSinceHelp) + ", got '" + since + "'" +
                      (local ? "; times are UTC: end them with Z" : ""));
    }
  }
  if (inv.vm.count("event")) {
    query.pattern = inv.vm["event"].as<std::string>();
    check_event_pattern(query.pattern);
  }
  return query;
}

std::string query_string(const JournalQuery& q) {
  std::string out = "?limit=" + std::to_string(q.limit);
  if (q.after_id > 0) out += "&after=" + std::to_string(q.after_id);
  if (q.since_us > 0) out += "&since_us=" + std::to_string(q.since_us);
  if (!q.pattern.empty()) out += "&event=" + url_segment(q.pattern);
  return out;
}

}  // namespace eventhost::cli
