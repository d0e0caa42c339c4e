#include "loader/version_range.h"

#include <algorithm>
#include <charconv>

#include "common/error.h"

namespace eventhost {
namespace {

using Version = std::vector<std::uint32_t>;

constexpr const char* kSyntax =
    "write e.g. \">=0.1.0, <0.2.0\" or \"~=0.1.0\" (operators >= <= > < == "
    "!= ~=, dotted numeric versions, comma = and)";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

[[noreturn]] void bad(std::string_view clause, const std::string& why) {
  throw Error(ErrorKind::kInvalidInput, "host_version clause \"" +
                                            std::string(clause) + "\" " + why +
                                            "; " + kSyntax);
}

// "1.2.3" -> {1,2,3}; an empty vector if `text` is not dotted numeric.
Version parse_version(std::string_view text) {
  Version out;
  while (true) {
    const auto dot = text.find('.');
    const std::string_view part = text.substr(0, dot);
    std::uint32_t value = 0;
    const auto [end, ec] =
        std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size())
      return {};
    out.push_back(value);
    if (dot == std::string_view::npos) return out;
    text.remove_prefix(dot + 1);
  }
}

// -1, 0 or 1; missing components count as 0.
int compare(const Version& a, const Version& b) {
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t x = i < a.size() ? a[i] : 0;
    const std::uint32_t y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// Why `operand`, which follows the operator `op` in a clause, is not a
// version: the common slips named, so the author sees what to change.
std::string why_not_a_version(std::string_view op, std::string_view operand) {
  static constexpr std::string_view kOperatorChars = "<>=!~";
  if (operand.empty()) {
    return "has an operator (" + std::string(op) + ") but no version after it";
  }
  if (kOperatorChars.find(operand.front()) != std::string_view::npos) {
    const auto end = operand.find_first_not_of(kOperatorChars);
    return "has an operator where the version belongs: \"" +
           std::string(operand.substr(0, end)) + "\" after \"" +
           std::string(op) + "\" (one operator per clause, e.g. \"" +
           std::string(op) +
           std::string(
               operand.substr(end == std::string_view::npos ? 0 : end)) +
           "\")";
  }
  return "has no dotted numeric version: \"" + std::string(operand) +
         "\" is not digits and dots (e.g. 0.18.0)";
}

// The exclusive upper bound of "~=v": bump the second-to-last component
// and drop what follows it.
Version compatible_upper(const Version& v) {
  Version upper(v.begin(), v.end() - 1);
  ++upper.back();
  return upper;
}

}  // namespace

VersionRange VersionRange::parse(std::string_view text) {
  VersionRange range;
  range.text_ = std::string(trim(text));
  if (range.text_.empty()) bad(text, "is empty");
  std::string_view rest = range.text_;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view clause = trim(rest.substr(0, comma));
    static constexpr std::pair<const char*, Op> kOps[] = {
        {">=", Op::kGe}, {"<=", Op::kLe}, {"==", Op::kEq}, {"!=", Op::kNe},
        {"~=", Op::kGe}, {">", Op::kGt},  {"<", Op::kLt}};
    const auto* op = std::find_if(
        std::begin(kOps), std::end(kOps),
        [&](const auto& o) { return clause.rfind(o.first, 0) == 0; });
    if (clause.empty()) bad(clause, "is empty");
    if (op == std::end(kOps)) bad(clause, "does not start with an operator");
    const std::string_view operand =
        trim(clause.substr(std::string_view(op->first).size()));
    Version version = parse_version(operand);
    if (version.empty()) bad(clause, why_not_a_version(op->first, operand));
    const bool compatible = std::string_view(op->first) == "~=";
    if (compatible && version.size() < 2) {
      bad(clause, "needs at least two components after ~=");
    }
    range.clauses_.push_back({op->second, version});
    if (compatible)
      range.clauses_.push_back({Op::kLt, compatible_upper(version)});
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return range;
}

bool VersionRange::satisfied_by(std::string_view version) const {
  const Version v = parse_version(version);
  if (v.empty()) {
    throw Error(ErrorKind::kInvalidInput,
                "version \"" + std::string(version) +
                    "\" is not dotted numeric (e.g. 0.1.0)");
  }
  return std::all_of(clauses_.begin(), clauses_.end(), [&](const Clause& c) {
    const int order = compare(v, c.version);
    switch (c.op) {
      case Op::kGe:
        return order >= 0;
      case Op::kLe:
        return order <= 0;
      case Op::kGt:
        return order > 0;
      case Op::kLt:
        return order < 0;
      case Op::kEq:
        return order == 0;
      case Op::kNe:
        return order != 0;
    }
    return false;
  });
}

}  // namespace eventhost
