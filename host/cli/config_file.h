// The `eventhost run --config FILE` reader: INI lines `key = value`, `#`
// comments, keys the long option names. The settings' meaning is
// run_command.cpp's; this only reads the text.
//
// Thread-safety: a free function on values.
// Errors: throws Error(kUsage) naming `source` and what is wrong (a key
// not in `keys`, a line that is not `key = value`, a key given twice),
// and nothing else, whatever the bytes.
#pragma once

#include <istream>
#include <map>
#include <string>
#include <vector>

namespace eventhost::cli {

// Each key of `in` (one of `keys`) with its value's text.
std::map<std::string, std::string> read_config(
    std::istream& in, const std::string& source,
    const std::vector<std::string>& keys);

}  // namespace eventhost::cli
