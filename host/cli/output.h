// Output helpers: aligned text tables for people, JSON for scripts.
//
// Results go to stdout, logs and errors to stderr, so a script can parse
// stdout while a person still sees what went wrong.
//
// Thread-safety: main thread only (writes std::cout).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace eventhost::cli {

// A table whose columns are padded to their widest cell; the last column is
// not padded so long text (descriptions, reasons) does not add trailing
// white space.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Prints the header and the rows, each line starting with `indent`.
  void print(const std::string& indent = "") const;
  // Prints only the rows (the headers still count for the widths).
  void print_rows(const std::string& indent = "") const;

 private:
  void print_lines(const std::string& indent, bool with_header) const;

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints `value` indented by two spaces, then a newline.
void print_json(const nlohmann::json& value);

std::string join(const std::vector<std::string>& parts,
                 const std::string& separator = ", ");

// The first 12 hex digits of a SHA-256 and an ellipsis, "" if empty.
std::string short_sha(const std::string& hex);

// A JSON value as a person reads it: strings without quotes.
std::string display_value(const nlohmann::json& value);

}  // namespace eventhost::cli
