// Whether the daemon may serve its API on the address it was given: beyond
// this machine only over TLS, unless the operator says that something in
// front (a reverse proxy terminating TLS, a private network) makes clear
// text acceptable.
//
// Thread-safety: free functions.
// Errors: check_listen_exposure() throws Error(kUsage) saying why and what
// to do instead.
#pragma once

#include <string>

namespace eventhost {

// True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z; false for anything else,
// names included (the listener takes IP addresses only).
bool is_loopback_address(const std::string& host);

// Refuses a non-loopback `host` without `tls` unless `insecure_listen`.
void check_listen_exposure(const std::string& host, bool tls,
                           bool insecure_listen);

}  // namespace eventhost
