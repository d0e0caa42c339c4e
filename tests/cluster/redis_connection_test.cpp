// The RESP component (host/cluster/): URLs, event ids, and a connection to
// a real redis-server with AUTH and a database of its own.
#include "cluster/redis_connection.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "cluster/redis_url.h"
#include "cluster/stream_ids.h"
#include "common/error.h"
#include "redis_server.h"

namespace eventhost::test {
namespace {

namespace fs = std::filesystem;
using cluster::RedisConnection;
using cluster::RedisReply;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/eh_redis_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

RedisConnection connect_to(const std::string& url) {
  RedisConnection::Options o;
  o.client_name = "eventhost:test:unit";
  return RedisConnection(cluster::parse_redis_url(url), o);
}

std::string usage_error(const std::string& url) {
  try {
    cluster::parse_redis_url(url);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kUsage);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a cluster URL gives host, port, database and login") {
  const auto plain = cluster::parse_redis_url("redis://10.0.0.5:6380/3");
  CHECK(plain.host == "10.0.0.5");
  CHECK(plain.port == 6380);
  CHECK(plain.db == 3);
  CHECK(plain.user.empty());
  CHECK(plain.password.empty());

  const auto password = cluster::parse_redis_url("redis://:s%40cret@h");
  CHECK(password.host == "h");
  CHECK(password.port == 6379);
  CHECK(password.db == 0);
  CHECK(password.user.empty());
  CHECK(password.password == "s@cret");
  CHECK(password.display() == "redis://:***@h:6379/0");

  const auto acl = cluster::parse_redis_url("redis://app:pw@[::1]:7000");
  CHECK(acl.host == "::1");
  CHECK(acl.port == 7000);
  CHECK(acl.user == "app");
  CHECK(acl.password == "pw");
}

TEST_CASE("a bad cluster URL is refused saying what is wrong and the form") {
  CHECK_THAT(usage_error("http://h:1"),
             Catch::Contains("must start with redis://") &&
                 Catch::Contains("redis://[user[:password]@]host:port[/db]"));
  CHECK_THAT(usage_error("redis://h:99999"),
             Catch::Contains("not a number from 1 to 65535"));
  CHECK_THAT(usage_error("redis://h:1/x"),
             Catch::Contains("database 'x' is not a number"));
  CHECK_THAT(usage_error("redis://user@h:1"),
             Catch::Contains("a user needs a password"));
}

TEST_CASE(
    "event ids are the stream id's milliseconds times 1000 plus its "
    "sequence") {
  CHECK(cluster::event_id_of("1764590400123-5") == 1764590400123005u);
  CHECK(cluster::stream_id_of(1764590400123005u) == "1764590400123-5");
  CHECK(cluster::event_id_of("1764590400123-999") == 1764590400123999u);
  // A sequence of 1000 or more cannot be written in three digits.
  CHECK(cluster::event_id_of("1764590400123-1000") == 0);
  CHECK(cluster::event_id_of("garbage") == 0);
  CHECK(cluster::event_id_of("-5") == 0);
}

TEST_CASE(
    "a connection logs in with the URL's password and uses its "
    "database") {
  TempDir dir;
  RedisServer redis(dir.path / "redis", "pa:ss");
  // ':' in a password is written %3A in a URL.
  const std::string base =
      "redis://:pa%3Ass@127.0.0.1:" + std::to_string(redis.port());
  RedisConnection db3 = connect_to(base + "/3");
  REQUIRE(db3.command({"SET", "k", "in three"}).str == "OK");
  RedisConnection db0 = connect_to(base + "/0");
  CHECK(db0.command({"GET", "k"}).is_nil());
  CHECK(db3.command({"GET", "k"}).str == "in three");

  // Several commands, one round trip, replies in order.
  const auto replies =
      db3.pipeline({{"INCR", "n"}, {"INCR", "n"}, {"GET", "missing"}});
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].as_integer() == 1);
  CHECK(replies[1].as_integer() == 2);
  CHECK(replies[2].is_nil());
  // An error reply is a reply, not an exception.
  const RedisReply wrong = db3.command({"XADD", "k", "*", "f", "v"});
  CHECK(wrong.is_error());
  CHECK_THAT(wrong.str, Catch::Contains("WRONGTYPE"));
}

TEST_CASE("a refused login says to check the password in the cluster URL") {
  TempDir dir;
  RedisServer redis(dir.path / "redis", "right");
  RedisConnection c = connect_to("redis://:guess-0x5@127.0.0.1:" +
                                 std::to_string(redis.port()));
  try {
    c.command({"PING"});
    FAIL("the wrong password was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kUnavailable);
    CHECK_THAT(e.what(), Catch::Contains("refused the login") &&
                             Catch::Contains("check the user and password") &&
                             !Catch::Contains("guess-0x5"));
  }
}

TEST_CASE(
    "a connection to a Redis that stopped fails as unavailable, then "
    "reconnects once it is back") {
  TempDir dir;
  RedisServer redis(dir.path / "redis");
  RedisConnection c = connect_to(redis.url());
  REQUIRE(c.command({"SET", "kept", "1"}).str == "OK");
  redis.stop();
  try {
    c.command({"PING"});
    FAIL("a command to a stopped Redis succeeded");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kUnavailable);
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1"));
  }
  redis.start();
  // The back-off after a failed connect is at most 5 s.
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    try {
      back = c.command({"GET", "kept"}).str == "1";
    } catch (const Error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  CHECK(back);
  CHECK(c.reconnects() >= 1);
}

}  // namespace eventhost::test
