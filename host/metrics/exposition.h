// Pieces of the Prometheus text exposition format 0.0.4: name checks,
// escaping and number formatting, shared by the registry's renderer.
//
// Thread-safety: pure functions; safe from any thread.
// Errors: none thrown; the checks return false.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventhost {

// Label name/value pairs, rendered in the order given.
using Labels = std::vector<std::pair<std::string, std::string>>;

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved).
bool is_valid_label_name(std::string_view name);

// A float as Prometheus parses it, whatever the locale: shortest
// round-trip digits written as the Go client writes them ("0.0001",
// "1e-05", "1e+06"), "+Inf", "-Inf", "NaN".
std::string format_metric_value(double value);

// Label value escaping: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);
// HELP text escaping: backslash and newline.
std::string escape_help(std::string_view help);

// Appends "# HELP <name> <help>\n# TYPE <name> <type>\n" (no HELP line if
// help is empty).
void append_family_header(std::string& out, std::string_view name,
                          std::string_view help, std::string_view type);

// Appends "<name><suffix>{a="x",...[,le="<le>"]} <value>\n"; no braces when
// there is no label at all. `le` is empty for anything but a bucket.
void append_sample(std::string& out, std::string_view name,
                   std::string_view suffix, const Labels& labels,
                   std::string_view le, std::string_view value);

}  // namespace eventhost
