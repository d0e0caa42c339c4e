// Recognising mangled entry points. Only the start of a mangled name is
// parsed by hand (the name, which decides whether it matters); turning the
// rest into text is left to the C++ runtime's demangler, and only for the
// few symbols that matter, of bounded length.
#include "loader/cxx_symbol.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace eventhost {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads a <source-name> (<length><identifier>) at `at`; nullopt if there is
// none or it runs past the end.
std::optional<std::string_view> read_source_name(std::string_view symbol,
                                                 std::size_t& at) {
  if (at >= symbol.size() || !is_digit(symbol[at]) || symbol[at] == '0') {
    return std::nullopt;
  }
  std::size_t length = 0;
  while (at < symbol.size() && is_digit(symbol[at])) {
    length = length * 10 + static_cast<std::size_t>(symbol[at] - '0');
    if (length > symbol.size()) return std::nullopt;
    ++at;
  }
  if (length > symbol.size() - at) return std::nullopt;
  const std::string_view name = symbol.substr(at, length);
  at += length;
  return name;
}

// Whether `params` holds the <source-name> of `type`, e.g. "10eh_context"
// (and not the tail of a longer one, "110eh_context...").
bool mentions_type(std::string_view params, std::string_view type) {
  const std::string token = std::to_string(type.size()) + std::string(type);
  for (std::size_t at = params.find(token); at != std::string_view::npos;
       at = params.find(token, at + 1)) {
    if (at == 0 || !is_digit(params[at - 1])) return true;
  }
  return false;
}

// The name of a nested-name (after "_ZN"): its last component.
std::optional<std::string_view> read_nested_name(std::string_view symbol,
                                                 std::size_t& at) {
  while (at < symbol.size() &&
         (symbol[at] == 'r' || symbol[at] == 'V' || symbol[at] == 'K')) {
    ++at;  // CV-qualifiers of a member function
  }
  if (at < symbol.size() && (symbol[at] == 'R' || symbol[at] == 'O')) ++at;
  std::optional<std::string_view> last;
  while (at < symbol.size()) {
    if (symbol[at] == 'E') {
      ++at;
      return last;
    }
    if (symbol.compare(at, 2, "St") == 0) {
      at += 2;
      continue;
    }
    last = read_source_name(symbol, at);
    if (!last) return std::nullopt;
  }
  return std::nullopt;  // no closing E
}

}  // namespace

std::optional<MangledFunction> parse_mangled_function(std::string_view symbol) {
  if (symbol.size() < 3 || symbol.compare(0, 2, "_Z") != 0) {
    return std::nullopt;
  }
  std::size_t at = 2;
  if (symbol[at] == 'L') ++at;  // internal linkage
  MangledFunction function;
  std::optional<std::string_view> name;
  if (at < symbol.size() && symbol[at] == 'N') {
    function.nested = true;
    name = read_nested_name(symbol, ++at);
  } else {
    if (symbol.compare(at, 2, "St") == 0) at += 2;
    name = read_source_name(symbol, at);
    // A template's arguments follow its name: not an entry point.
    if (name && at < symbol.size() && symbol[at] == 'I') return std::nullopt;
  }
  if (!name) return std::nullopt;
  function.name = std::string(*name);
  const std::string_view params = symbol.substr(at);
  function.takes_abi_types = mentions_type(params, "eh_event") ||
                             mentions_type(params, "eh_context") ||
                             mentions_type(params, "eh_host_api");
  return function;
}

std::string demangle_symbol(std::string_view symbol) {
  // The demangler recurses over the name; a hostile file's symbols can be
  // long, and only a person reads the result.
  constexpr std::size_t kLongest = 1024;
  if (symbol.size() > kLongest) return std::string(symbol);
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> text(
      abi::__cxa_demangle(std::string(symbol).c_str(), nullptr, nullptr,
                          &status),
      &std::free);
  if (status != 0 || text == nullptr) return std::string(symbol);
  return text.get();
}

}  // namespace eventhost
