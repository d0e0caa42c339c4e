// The journal's disk fills up or fails while the real daemon runs: what
// the emitters are told, what keeps working, and what the state file holds
// afterwards.
//
// Faults come from the test-only SQLite shim (host/state/fault_vfs.h),
// turned on and off with a control file while the daemon runs, and from a
// real, small tmpfs when this machine lets the test mount one.
#include <sqlite3.h>
#include <sys/mount.h>

#include <fstream>
#include <future>

#include "daemon_test_support.h"

namespace eventhost::test {
namespace {

// channel_id -> the id the daemon acknowledged it with.
using Acked = std::map<int, std::uint64_t>;

std::string channel_line(int channel_id) {
  // A name long enough that a batch spans several database pages.
  return json{{"event", "channel.created"},
              {"data",
               {{"channel_id", channel_id},
                {"channel_name", "channel " + std::to_string(channel_id) +
                                     std::string(80, '.')}}}}
      .dump();
}

std::string batch_of(int first, int count) {
  std::string body;
  for (int i = first; i < first + count; ++i) body += channel_line(i) + "\n";
  return body;
}

HttpReply post_batch(const DaemonProcess& daemon, int first, int count) {
  return daemon.send("POST", "/api/events", batch_of(first, count),
                     "application/x-ndjson");
}

// Posts a batch that must be acknowledged, and notes its ids.
void post_acked(const DaemonProcess& daemon, int first, int count,
                Acked& acked) {
  const json reply = parse(post_batch(daemon, first, count));
  REQUIRE(reply.value("accepted", 0) == count);
  for (int i = 0; i < count; ++i) {
    acked[first + i] = reply["ids"][static_cast<std::size_t>(i)];
  }
}

// What an emitter must be told while the journal cannot write.
void check_not_acknowledged(const HttpReply& reply, const std::string& why) {
  INFO("body: " << reply.body);
  CHECK(reply.status == 500);
  const json body = parse(reply);
  CHECK(body["kind"] == "io");
  const std::string error = body.value("error", "");
  CHECK_THAT(error, Catch::Contains("not acknowledged"));
  CHECK_THAT(error, Catch::Contains("journal"));
  CHECK_THAT(error, Catch::Contains(why));
}

// Posts batches of 200 from `first` on until one is refused (batches that
// still fit are acknowledged and noted); true if one was refused, and then
// checks what its emitter was told.
bool post_until_refused(const DaemonProcess& daemon, int first, int last,
                        const std::string& why, Acked& acked) {
  for (; first < last; first += 200) {
    const HttpReply reply = post_batch(daemon, first, 200);
    if (reply.status != 200) {
      check_not_acknowledged(reply, why);
      return true;
    }
    const json j = parse(reply);
    for (int i = 0; i < 200; ++i) {
      acked[first + i] = j["ids"][static_cast<std::size_t>(i)];
    }
  }
  return false;
}

// Reads still answer while writes fail; /readyz says why it is not ready.
void check_reads_answer(const DaemonProcess& daemon, std::size_t journaled,
                        const std::string& why) {
  CHECK(daemon.get("/healthz").status == 200);
  const HttpReply plugins = daemon.get("/api/plugins");
  CHECK(plugins.status == 200);
  CHECK_THAT(plugins.body, Catch::Contains("recorder"));
  const json page =
      parse(daemon.get("/api/journal?event=channel.created&limit=10000"));
  CHECK(page["entries"].size() == journaled);
  CHECK(daemon.get("/api/events/stats").status == 200);
  const HttpReply ready = daemon.get("/readyz");
  CHECK(ready.status == 503);
  const json readiness = parse(ready);
  CHECK(readiness["ready"] == false);
  CHECK_THAT(readiness.value("journal", ""), Catch::Contains(why));
}

bool ready(const DaemonProcess& daemon) {
  return daemon.get("/readyz").status == 200;
}

// Every acknowledged event is in the journal, once, with its payload, and
// SQLite finds the file sound.
void check_state_file(const fs::path& state, const Acked& acked) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(state.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* check = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(check) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(
            sqlite3_column_text(check, 0))) == "ok");
  sqlite3_finalize(check);
  sqlite3_stmt* find = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT count(*), max(payload) FROM journal "
                             "WHERE id = ?1 AND name = 'channel.created'",
                             -1, &find, nullptr) == SQLITE_OK);
  for (const auto& [channel, id] : acked) {
    INFO("channel " << channel << ", event " << id);
    sqlite3_bind_int64(find, 1, static_cast<sqlite3_int64>(id));
    REQUIRE(sqlite3_step(find) == SQLITE_ROW);
    REQUIRE(sqlite3_column_int(find, 0) == 1);
    const json payload = json::parse(
        reinterpret_cast<const char*>(sqlite3_column_text(find, 1)));
    CHECK(payload["channel_id"] == channel);
    sqlite3_reset(find);
  }
  sqlite3_finalize(find);
  sqlite3_close(db);
}

std::uint64_t cli_emit_acked(const CliSandbox& sandbox, int channel) {
  const CliRun run =
      sandbox.run({"emit", "channel.created",
                   json{{"channel_id", channel}}.dump(), "--json"});
  INFO("stderr: " << run.err);
  REQUIRE(run.status == 0);
  return json_of(run)["id"].get<std::uint64_t>();
}

void check_cli_not_acknowledged(const CliSandbox& sandbox, int channel,
                                const std::string& why) {
  const CliRun run = sandbox.run(
      {"emit", "channel.created", json{{"channel_id", channel}}.dump()});
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Catch::Contains("not acknowledged"));
  CHECK_THAT(run.err, Catch::Contains(why));
}

// A daemon whose SQLite writes fail while <sandbox>/write-fault exists.
struct FaultWorld {
  CliSandbox sandbox;
  fs::path fault;
  FaultWorld() : fault(sandbox.root() / "write-fault") {
    sandbox.add_plugin("recorder.so");
    sandbox.enable_recorder();
    sandbox.set_env("EVENTHOST_TEST_WRITE_FAULTS", fault.string());
  }
  void fail_writes(const std::string& how) const {
    std::ofstream(fault) << how << "\n";
  }
  void heal() const { fs::remove(fault); }
};

void run_fault_scenario(const std::string& fault, const std::string& why) {
  FaultWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  Acked acked;
  post_acked(daemon, 1, 5, acked);
  acked[6] = cli_emit_acked(world.sandbox, 6);

  // Enough ids reserved that the next events fail in the journal's
  // commit; the big batch then also needs ids, and that write fails too.
  post_acked(daemon, 7, 40, acked);
  world.fail_writes(fault);
  check_not_acknowledged(daemon.send("POST", "/api/events", channel_line(101)),
                         why);
  check_cli_not_acknowledged(world.sandbox, 102, why);
  check_not_acknowledged(post_batch(daemon, 1000, 300), why);
  check_reads_answer(daemon, acked.size(), why);
  // Failing again changes nothing: still refused, still serving.
  check_not_acknowledged(post_batch(daemon, 110, 3), why);
  CHECK(daemon.get("/healthz").status == 200);
  // The plugin got the events, so its delivery cursor moved and cannot be
  // saved either. A fault lasts a while (here a second), and the retries
  // within it, five a second, must not flood a log on the same disk.
  const std::string unsaved = "could not save delivery cursors";
  REQUIRE(wait_until([&] { return count_lines_with(daemon.log(), unsaved); }));
  std::this_thread::sleep_for(1s);

  // Space returns: the daemon finds out by itself, with no emit and no
  // restart, and acknowledges again.
  world.heal();
  REQUIRE(wait_until([&] { return ready(daemon); }));
  post_acked(daemon, 200, 300, acked);
  acked[500] = cli_emit_acked(world.sandbox, 500);
  CHECK(daemon.stop(SIGTERM) == 0);
  CHECK(count_lines_with(daemon.log(), unsaved) == 1);
  CHECK_THAT(daemon.log(), Catch::Contains("journal: writing again"));
  check_state_file(world.sandbox.state_file(), acked);
}

}  // namespace

TEST_CASE(
    "a full disk under the journal: emitters get 500 and exit 1 'not "
    "acknowledged', reads go on, and the daemon accepts again by itself "
    "once space returns") {
  run_fault_scenario("full", "disk is full");
}

TEST_CASE(
    "an I/O error under the journal: emitters get 500 and exit 1 'not "
    "acknowledged', reads go on, and the daemon accepts again by itself "
    "once the disk works") {
  run_fault_scenario("ioerr", "I/O error");
}

TEST_CASE(
    "a write that fails part way through a journal commit loses nothing "
    "acknowledged and leaves a sound state file") {
  // Budgets from nothing to several pages: the fault lands in the id
  // reservation, the WAL frame header, a page or the commit frame.
  for (const int budget : {0, 24, 1000, 4120, 9000, 20000}) {
    for (const std::string kind : {"full", "ioerr"}) {
      DYNAMIC_SECTION(kind << " after " << budget << " bytes") {
        FaultWorld world;
        DaemonProcess daemon(world.sandbox);
        REQUIRE(daemon.ready());
        Acked acked;
        post_acked(daemon, 1, 40, acked);
        world.fail_writes(kind + " " + std::to_string(budget));
        // Some batches may still fit in the budget; one does not.
        CHECK(post_until_refused(daemon, 1000, 3000,
                                 kind == "full" ? "disk is full" : "I/O error",
                                 acked));
        world.heal();
        REQUIRE(wait_until([&] { return ready(daemon); }));
        post_acked(daemon, 5000, 200, acked);
        CHECK(daemon.stop(SIGTERM) == 0);
        check_state_file(world.sandbox.state_file(), acked);
      }
    }
  }
}

namespace {

// A tmpfs of `size` mounted on `dir` for the life of this object, if the
// machine allows it (root, and mount not forbidden).
class SmallTmpfs {
 public:
  SmallTmpfs(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      why_not_ = std::strerror(errno);
    }
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string why_not_;
};

// Writes `file` until the file system is full.
void fill_up(const fs::path& file) {
  std::FILE* out = std::fopen(file.c_str(), "wb");
  REQUIRE(out != nullptr);
  const std::string chunk(4096, 'x');
  while (std::fwrite(chunk.data(), 1, chunk.size(), out) == chunk.size() &&
         std::fflush(out) == 0) {
  }
  std::fclose(out);
}

}  // namespace

TEST_CASE(
    "on a real full file system (a small tmpfs) the journal refuses, reads "
    "go on, and it accepts again once space is freed") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  sandbox.enable_recorder();
  const fs::path disk = sandbox.root() / "small-disk";
  SmallTmpfs tmpfs(disk, "2m");
  if (!tmpfs.mounted()) {
    WARN("skipped: cannot mount a tmpfs here (" << tmpfs.why_not()
                                                << "); the shim tests cover "
                                                   "the same paths");
    return;
  }
  // The state file lives on the small disk; its name stays in the sandbox.
  const fs::path real_state = disk / "state.db";
  fs::copy_file(sandbox.state_file(), real_state);
  fs::remove(sandbox.state_file());
  fs::create_symlink(real_state, sandbox.state_file());
  Acked acked;
  {
    DaemonProcess daemon(sandbox);
    REQUIRE(daemon.ready());
    post_acked(daemon, 1, 20, acked);
    const fs::path filler = disk / "filler";
    fill_up(filler);
    REQUIRE(post_until_refused(daemon, 1000, 20000, "disk is full", acked));
    check_reads_answer(daemon, acked.size(), "disk is full");
    fs::remove(filler);
    REQUIRE(wait_until([&] { return ready(daemon); }));
    post_acked(daemon, 30000, 200, acked);
    CHECK(daemon.stop(SIGTERM) == 0);
  }
  check_state_file(real_state, acked);
}

}  // namespace eventhost::test

namespace eventhost::test {

TEST_CASE(
    "a batch whose first journal commit fails and a later one succeeds is "
    "not acknowledged") {
  FaultWorld world;
  world.sandbox.add_plugin("blocker.so");
  const fs::path entered = world.sandbox.root() / "entered";
  const fs::path release = world.sandbox.root() / "release";
  REQUIRE(world.sandbox
              .run({"plugins", "configure", "blocker",
                    "entered_file=" + entered.string(),
                    "release_file=" + release.string()})
              .status == 0);
  REQUIRE(world.sandbox.run({"plugins", "enable", "blocker"}).status == 0);
  DaemonProcess daemon(world.sandbox);
  INFO(daemon.log());
  REQUIRE(daemon.ready());
  // Released for now: enough events that the ids of the batch below are
  // reserved already (no state write of its own before the journal's).
  std::ofstream(release) << "go\n";
  Acked acked;
  post_acked(daemon, 1, 300, acked);
  fs::remove(release);

  // The blocker holds its call and fills its queue of 16: emitting the
  // batch waits there, and the journal commits what came before apart
  // from the rest. That first commit fails; the fault is gone before the
  // rest is emitted, so the batch's last commit succeeds.
  world.fail_writes("ioerr");
  auto reply = std::async(std::launch::async,
                          [&] { return post_batch(daemon, 1000, 60); });
  REQUIRE(wait_until([&] {
    return daemon.log().find("events were not recorded") != std::string::npos;
  }));
  world.heal();
  std::ofstream(release) << "go\n";
  check_not_acknowledged(reply.get(), "I/O error");
}

}  // namespace eventhost::test
