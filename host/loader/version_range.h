// VersionRange -- the host versions a plugin runs on, from its manifest's
// optional "host_version" field, e.g. ">=0.1.0, <0.2.0" or "~=0.1.0".
//
// Syntax: comma-separated clauses, all of which must hold (AND). A clause
// is an operator (>= <= > < == != ~=) and a dotted numeric version
// ("0.1", "1.2.3"; missing components count as 0). "~=X.Y.Z" means
// ">=X.Y.Z, <X.(Y+1).0"; "~=X.Y" means ">=X.Y, <(X+1).0" (the second-to-last
// component is bumped).
//
// Thread-safety: a parsed VersionRange is an immutable value.
// Errors: parse() throws Error(kInvalidInput) naming the bad clause and
// showing the accepted syntax; satisfied_by() throws the same for a host
// version that is not dotted numeric.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eventhost {

class VersionRange {
 public:
  static VersionRange parse(std::string_view text);

  bool satisfied_by(std::string_view version) const;
  // The range as written, e.g. ">=0.1.0, <0.2.0".
  const std::string& text() const { return text_; }

 private:
  enum class Op { kGe, kLe, kGt, kLt, kEq, kNe };
  struct Clause {
    Op op;
    std::vector<std::uint32_t> version;
  };
  std::string text_;
  std::vector<Clause> clauses_;
};

}  // namespace eventhost
