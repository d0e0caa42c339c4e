// Just enough of the Itanium C++ ABI's name mangling (what GCC and clang
// use on Linux) to recognise a plugin entry point compiled with C++
// linkage: `int32_t on_channel_created(const eh_event*, eh_context*)` in a
// .cpp file without extern "C" is exported as
// _Z18on_channel_createdPK8eh_eventP10eh_context, a name the host never
// looks up, so the handler is silently never called.
//
// Thread-safety: free functions over values.
// Errors: never throws for a bad symbol; what does not parse is simply not
// a mangled function (std::nullopt). Symbols come from untrusted files, so
// parsing is bounded by the symbol's length and never recurses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eventhost {

struct MangledFunction {
  std::string name;  // the unqualified name, e.g. "on_channel_created"
  // Declared in a namespace or a class (_ZN...E), not at global scope.
  bool nested = false;
  // Its parameter types name eh_event, eh_context or eh_host_api: it takes
  // the plugin ABI's arguments.
  bool takes_abi_types = false;
};

// Parses `symbol` if it is a mangled function (or variable) name of the
// forms _Z<len><name><params> and _ZN[qualifiers]<len><name>...E<params>
// (an optional St, "std::", included); templates, local names, operators
// and substitutions inside the name give std::nullopt.
std::optional<MangledFunction> parse_mangled_function(std::string_view symbol);

// `symbol` demangled for people, e.g. "on_channel_created(eh_event const*,
// eh_context*)", or `symbol` itself if it cannot be demangled.
std::string demangle_symbol(std::string_view symbol);

}  // namespace eventhost
