// The plugin.hpp wrappers: every exported symbol they define returns an
// EH_* code, and no exception ever crosses the C ABI.
#include <catch2/catch.hpp>
#include <eventhost/plugin.hpp>
#include <stdexcept>
#include <string>

#include "recording_host.h"

namespace {
int g_init_runs = 0;
int g_any_event_calls = 0;
}  // namespace

EH_ON(test_ok)(const eventhost::Event& ev, eventhost::Context& ctx) {
  ctx.info("saw " + ev.get("name", "?"));
}

EH_ON(test_std_throw)(const eventhost::Event& ev, eventhost::Context&) {
  throw std::runtime_error("boom: event " + std::to_string(ev.id()));
}

EH_ON(test_unknown_throw)(const eventhost::Event&, eventhost::Context&) {
  throw 7;
}

EH_ON(test_failure)(const eventhost::Event&, eventhost::Context&) {
  throw eventhost::Failure(EH_ERR_INVALID_ARGUMENT, "no username");
}

EH_ON_ANY_EVENT(const eventhost::Event&, eventhost::Context&) {
  ++g_any_event_calls;
}

EH_PLUGIN_INIT(eventhost::Context& ctx) {
  ++g_init_runs;
  ctx.emplace_user_data<std::string>("ready");
}

EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& ctx) {
  if (settings.value("fail", false)) throw std::logic_error("bad settings");
  ctx.info("limit=" + settings.value("limit", std::string("none")));
}

EH_PLUGIN_ACTION(std::string_view id, const nlohmann::json& params,
                 eventhost::Context& ctx) {
  if (id != "echo") throw eventhost::Failure(EH_ERR_NOT_FOUND, "no action");
  ctx.set_result(params.value("text", std::string()));
}

EH_PLUGIN_SHUTDOWN(eventhost::Context& ctx) {
  ctx.destroy_user_data<std::string>();
  throw std::runtime_error("late failure");
}

namespace {

eh_event event_with(const std::string& payload) {
  return recording_host::make_event("test.any", payload);
}

}  // namespace

TEST_CASE("a handler that returns normally gives EH_OK and no error") {
  eh_context ctx;
  std::string payload = R"({"name":"News"})";
  eh_event ev = event_with(payload);
  CHECK(on_test_ok(&ev, &ctx) == EH_OK);
  CHECK(ctx.errors.empty());
  REQUIRE(ctx.logs.size() == 1);
  CHECK(ctx.logs[0].second == "saw News");
}

TEST_CASE("a std::exception becomes EH_ERR_EXCEPTION with its message") {
  eh_context ctx;
  std::string payload = "{}";
  eh_event ev = event_with(payload);
  CHECK(on_test_std_throw(&ev, &ctx) == EH_ERR_EXCEPTION);
  REQUIRE(ctx.errors.size() == 1);
  CHECK(ctx.errors[0] == "boom: event 42");
}

TEST_CASE("a non-std exception becomes EH_ERR_EXCEPTION 'unknown exception'") {
  eh_context ctx;
  std::string payload = "{}";
  eh_event ev = event_with(payload);
  CHECK(on_test_unknown_throw(&ev, &ctx) == EH_ERR_EXCEPTION);
  REQUIRE(ctx.errors.size() == 1);
  CHECK(ctx.errors[0] == "unknown exception");
}

TEST_CASE("eventhost::Failure returns its own code and message") {
  eh_context ctx;
  std::string payload = "{}";
  eh_event ev = event_with(payload);
  CHECK(on_test_failure(&ev, &ctx) == EH_ERR_INVALID_ARGUMENT);
  REQUIRE(ctx.errors.size() == 1);
  CHECK(ctx.errors[0] == "no username");
  CHECK(eventhost::Failure(EH_OK, "x").code() == EH_ERR_FAILED);
}

TEST_CASE("a handler refuses an eh_event too short to be from a v1 host") {
  eh_context ctx;
  std::string payload = "{}";
  eh_event ev = event_with(payload);
  ev.struct_size = offsetof(eh_event, host);
  CHECK(on_test_ok(&ev, &ctx) == EH_ERR_INVALID_ARGUMENT);
  CHECK(on_test_ok(nullptr, &ctx) == EH_ERR_INVALID_ARGUMENT);
  CHECK(ctx.logs.empty());
}

TEST_CASE("EH_ON_ANY_EVENT exports eh_on_any_event") {
  eh_context ctx;
  std::string payload = "{}";
  eh_event ev = event_with(payload);
  int before = g_any_event_calls;
  CHECK(eh_on_any_event(&ev, &ctx) == EH_OK);
  CHECK(eh_on_any_event(&ev, &ctx) == EH_OK);
  CHECK(g_any_event_calls == before + 2);
}

TEST_CASE("eh_plugin_init remembers the host and runs the init body") {
  eh_context ctx;
  int before = g_init_runs;
  CHECK(eh_plugin_init(recording_host::api(), &ctx) == EH_OK);
  CHECK(g_init_runs == before + 1);
  REQUIRE(ctx.user_data != nullptr);
  CHECK(*static_cast<std::string*>(ctx.user_data) == "ready");
  eh_plugin_shutdown(&ctx);
}

TEST_CASE("eh_plugin_init refuses a host of another ABI major version") {
  eh_context ctx;
  eh_host_api other = *recording_host::api();
  other.abi_version = (EH_ABI_VERSION_MAJOR + 1) << 16;
  int before = g_init_runs;
  CHECK(eh_plugin_init(&other, &ctx) == EH_ERR_INVALID_ARGUMENT);
  CHECK(eh_plugin_init(nullptr, &ctx) == EH_ERR_INVALID_ARGUMENT);
  CHECK(g_init_runs == before);
}

TEST_CASE("configure gets parsed settings and reports throws after init") {
  eh_context ctx;
  REQUIRE(eh_plugin_init(recording_host::api(), &ctx) == EH_OK);
  CHECK(eh_plugin_configure(&ctx, R"({"limit":"10"})") == EH_OK);
  REQUIRE(ctx.logs.size() == 1);
  CHECK(ctx.logs[0].second == "limit=10");
  CHECK(eh_plugin_configure(&ctx, R"({"fail":true})") == EH_ERR_EXCEPTION);
  REQUIRE(ctx.errors.size() == 1);
  CHECK(ctx.errors[0] == "bad settings");
  eh_plugin_shutdown(&ctx);
}

TEST_CASE("an action answers through set_result and unknown ones fail") {
  eh_context ctx;
  REQUIRE(eh_plugin_init(recording_host::api(), &ctx) == EH_OK);
  CHECK(eh_plugin_action(&ctx, "echo", R"({"text":"hi"})") == EH_OK);
  REQUIRE(ctx.results.size() == 1);
  CHECK(ctx.results[0] == "hi");
  CHECK(eh_plugin_action(&ctx, "nope", "{}") == EH_ERR_NOT_FOUND);
  REQUIRE(ctx.errors.size() == 1);
  CHECK(ctx.errors[0] == "no action");
  eh_plugin_shutdown(&ctx);
}

TEST_CASE("a throw in shutdown is logged as an error and never escapes") {
  eh_context ctx;
  REQUIRE(eh_plugin_init(recording_host::api(), &ctx) == EH_OK);
  eh_plugin_shutdown(&ctx);
  CHECK(ctx.user_data == nullptr);
  REQUIRE_FALSE(ctx.logs.empty());
  CHECK(ctx.logs.back().first == EH_LOG_ERROR);
  CHECK(ctx.logs.back().second.find("late failure") != std::string::npos);
}
