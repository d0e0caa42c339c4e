// eventhost::Error -- the one exception type the host's components throw.
//
// Inside the host, errors are exceptions (across the plugin ABI they are
// return codes). Each carries a kind, so a front end can map it to an exit
// status or an HTTP code without parsing messages, and a message that says
// what is wrong and what to do about it.
//
// Thread-safety: an Error is an immutable value.
#pragma once

#include <stdexcept>
#include <string>

namespace eventhost {

enum class ErrorKind {
  kUsage,         // the caller asked for something malformed
  kNotFound,      // unknown plugin, event, action or setting
  kInvalidInput,  // bad JSON, bad setting value, bad manifest
  kRefused,       // a rule forbids it (permissions, pin, ABI, level)
  kIo,            // the file system or the state database failed
  kUnavailable,   // a service the host needs (a cluster's Redis) is down
  kInternal,      // a bug in the host
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}

  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace eventhost
