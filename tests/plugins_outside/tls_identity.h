// make_tls_identity -- a fresh self-signed certificate and its key, made
// with OpenSSL in the test itself, so the webhook's https path is tested
// without certificate files in the repository or an openssl command.
//
// The certificate names 127.0.0.1 (as an IP address subjectAltName), is
// valid from an hour ago for a day, and may act as its own CA: written to
// a file, it is the `ca_file` a client trusts.
//
// Errors: throws std::runtime_error if OpenSSL fails.
#pragma once

#include "http_receiver.h"

namespace eventhost::test {

TlsFiles make_tls_identity();

}  // namespace eventhost::test
