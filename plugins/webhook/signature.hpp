// The webhook's signature: HMAC-SHA256 over "<timestamp>.<body>" with the
// `secret` setting, sent as
//   X-Eventhost-Timestamp: 1777636800
//   X-Eventhost-Signature: sha256=<64 lower-case hex digits>
// The timestamp is signed with the body so that a captured request cannot
// be replayed later: a receiver recomputes the HMAC, compares it in
// constant time, and refuses a timestamp far from its clock (README).
//
// Thread-safety: a pure function. Errors: throws std::runtime_error if
// OpenSSL fails (it does not for these inputs).
#pragma once

#include <string>
#include <string_view>

namespace webhook {

// Lower-case hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace webhook
