#include "daemon/listen_policy.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "common/error.h"

namespace eventhost {

bool is_loopback_address(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

void check_listen_exposure(const std::string& host, bool tls,
                           bool insecure_listen) {
  if (tls || is_loopback_address(host)) return;
  if (insecure_listen) {
    spdlog::warn(
        "serving the API in clear text on {} (--insecure-listen): the token "
        "and the events are readable on the way unless something in front "
        "encrypts them",
        host);
    return;
  }
  throw Error(
      ErrorKind::kUsage,
      "refusing to listen on " + host +
          " without TLS: the API token and every event would cross the "
          "network in clear text. Give --tls-cert FILE --tls-key FILE; or "
          "keep --listen on 127.0.0.1 and reach it through an SSH tunnel "
          "(ssh -L 8080:127.0.0.1:8080 HOST); or, if a reverse proxy in "
          "front terminates TLS, add --insecure-listen");
}

}  // namespace eventhost
