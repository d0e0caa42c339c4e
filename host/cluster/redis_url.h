// RedisEndpoint -- where a cluster's Redis is and how to log in, parsed
// from redis://[user[:password]@]host:port[/db].
//
// The user and password may be percent-encoded (a password holding '@' or
// ':' is written %40, %3A). `redis://:secret@host:6379` logs in with the
// password alone (Redis's `requirepass`, the user "default"); with a user,
// AUTH gets both (a Redis 6 ACL user). The port defaults to 6379 and the
// database to 0.
//
// Thread-safety: a value. Errors: parse_redis_url throws Error(kUsage)
// saying what is wrong and showing the expected form.
#pragma once

#include <cstdint>
#include <string>

namespace eventhost::cluster {

struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // "" = no user name (password-only AUTH)
  std::string password;  // "" = no AUTH
  int db = 0;

  // The URL with the password hidden, for logs and status.
  std::string display() const;
};

RedisEndpoint parse_redis_url(const std::string& url);

}  // namespace eventhost::cluster
