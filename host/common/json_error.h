// json_error_detail -- the part of an nlohmann::json exception's text worth
// showing a user. nlohmann says "[json.exception.parse_error.101] parse
// error at line 1, column 15: syntax error while parsing value - ...";
// callers keep what follows `marker` ("] " drops the exception's id,
// "syntax error " also the position, when they report the byte
// themselves). The whole text if the marker is not there.
//
// Thread-safety: a free function on values.
#pragma once

#include <string>
#include <string_view>

namespace eventhost {

inline std::string json_error_detail(std::string_view what,
                                     std::string_view marker = "] ") {
  const std::size_t at = what.find(marker);
  if (at != std::string_view::npos) what.remove_prefix(at + marker.size());
  return std::string(what);
}

}  // namespace eventhost
