#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace eventhost {
namespace {

bool is_name_char(char c, bool first, bool colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const bool digit = c >= '0' && c <= '9';
  return letter || c == '_' || (colon && c == ':') || (!first && digit);
}

bool is_valid_name(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0, colon)) return false;
  }
  return true;
}

std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  return is_valid_name(name, true);
}

bool is_valid_label_name(std::string_view name) {
  return is_valid_name(name, false) && name.substr(0, 2) != "__";
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // to_chars ignores the locale (printf would write "0,5" under de_DE).
  // Shortest digits in general style give what the Go client writes
  // (strconv 'g', -1), so bucket bounds read the same: le="0.0001", not
  // le="1e-04".
  char buf[32];
  const auto result =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);
  return std::string(buf, result.ptr);
}

std::string escape_label_value(std::string_view value) {
  return escape(value, true);
}

std::string escape_help(std::string_view help) { return escape(help, false); }

void append_family_header(std::string& out, std::string_view name,
                          std::string_view help, std::string_view type) {
  if (!help.empty()) {
    out.append("# HELP ").append(name).append(" ");
    out.append(escape_help(help)).append("\n");
  }
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_sample(std::string& out, std::string_view name,
                   std::string_view suffix, const Labels& labels,
                   std::string_view le, std::string_view value) {
  out.append(name).append(suffix);
  if (!labels.empty() || !le.empty()) {
    char sep = '{';
    for (const auto& [key, val] : labels) {
      out.push_back(sep);
      out.append(key).append("=\"").append(escape_label_value(val));
      out.push_back('"');
      sep = ',';
    }
    if (!le.empty()) {
      out.push_back(sep);
      out.append("le=\"").append(le).push_back('"');
    }
    out.push_back('}');
  }
  out.append(" ").append(value).append("\n");
}

}  // namespace eventhost
