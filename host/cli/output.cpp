#include "cli/output.h"

#include <algorithm>
#include <iostream>

namespace eventhost::cli {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(const std::string& indent) const {
  print_lines(indent, true);
}

void Table::print_rows(const std::string& indent) const {
  print_lines(indent, false);
}

void Table::print_lines(const std::string& indent, bool with_header) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = headers_[i].size();
    for (const auto& row : rows_)
      widths[i] = std::max(widths[i], row[i].size());
  }
  auto print_line = [&](const std::vector<std::string>& cells) {
    std::string line = indent;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) {
        line += std::string(widths[i] - cells[i].size() + 2, ' ');
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << "\n";
  };
  if (with_header) print_line(headers_);
  for (const auto& row : rows_) print_line(row);
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2) << "\n";
}

std::string join(const std::vector<std::string>& parts,
                 const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : separator) + parts[i];
  }
  return out;
}

std::string short_sha(const std::string& hex) {
  return hex.empty() ? "" : hex.substr(0, 12) + "…";
}

std::string display_value(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace eventhost::cli
