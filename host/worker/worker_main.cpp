// eventhost-worker -- runs one process-tier plugin on behalf of the host.
//
// Started by the host (worker_process.cpp) with the socket on fd 3 and the
// progress page (call_progress.h) on fd 4; never meant to be run by hand.
// It reads kInit, maps the page, applies the sandbox, loads the plugin
// exactly as the thread tier does (the pinned, verified copy), and then
// serves frames until kShutdown or until the host goes away. Each event
// goes through the same PluginRunner::deliver() as in the thread tier, so
// a plugin behaves the same in both.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/error.h"
#include "dispatch/event_pool.h"
#include "dispatch/guarded_call.h"
#include "dispatch/plugin_runner.h"
#include "loader/loaded_plugin.h"
#include "loader/plugin_file.h"
#include "worker/call_progress.h"
#include "worker/channel.h"
#include "worker/protocol.h"
#include "worker/sandbox.h"

namespace eventhost::worker {
namespace {

constexpr int kChannelFd = 3;

std::shared_ptr<const PluginSettings> to_settings(const WireSettings& wire) {
  auto s = std::make_shared<PluginSettings>();
  for (const auto& [id, json] : wire.values) s->values[id] = json;
  s->object_json = wire.object_json;
  return s;
}

// The host services, forwarded over the socket, and the results on their
// way back: queued, and sent in one write when the batch of events is done
// (or, to keep the host's view in order, before anything else is sent).
class ForwardingServices final : public PluginServices {
 public:
  explicit ForwardingServices(FrameChannel& channel) : channel_(channel) {}

  void queue(const WireResult& result) {
    FrameWriter w(MessageType::kResult);
    put(w, result);
    pending_ += w.finish();
  }

  // A broken socket shows on the next receive: the host is gone.
  void flush() {
    if (pending_.empty()) return;
    channel_.send(pending_);
    pending_.clear();
  }

  void plugin_log(const std::string&, std::uint32_t severity,
                  std::string_view message) override {
    // Sent now, not with the results: a log line just before a crash is
    // the one worth having.
    pending_ +=
        FrameWriter(MessageType::kLog).u32(severity).str(message).finish();
    flush();
  }

  // The host keeps the budget and the depth: it only needs to know which
  // of the events it sent this emit comes from.
  std::int32_t plugin_emit(const EmitSource& source, std::string_view event,
                           std::string_view payload) override {
    const std::uint64_t cause_id =
        source.cause != nullptr && *source.cause ? (*source.cause)->id : 0;
    FrameWriter frame(MessageType::kEmit);
    put(frame, WireEmit{std::string(event), std::string(payload), cause_id});
    pending_ += frame.finish();
    const bool sent = channel_.send(pending_) == FrameChannel::Status::kOk;
    pending_.clear();
    if (!sent) return EH_ERR_FAILED;
    Frame reply;
    if (channel_.receive(&reply) != FrameChannel::Status::kOk ||
        reply.type != MessageType::kEmitReply) {
      return EH_ERR_FAILED;
    }
    FrameReader r(reply.body);
    return r.i32();
  }

 private:
  FrameChannel& channel_;
  std::string pending_;  // frames not sent yet
};

struct Session {
  std::unique_ptr<PluginRunner> runner;
  std::unique_ptr<CallProgress> progress;
  std::uint64_t calls = 0;  // events taken, numbered as the host numbers them
};

// Loads, initializes and configures the plugin; "" or why not.
std::string start(FrameReader& init, PluginServices* services, Session* out) {
  const std::string key = init.str();
  const std::string path = init.str();
  const std::string sha = init.str();
  const auto settings = to_settings(get_settings(init));
  const std::uint32_t deny = init.u32();
  const std::uint32_t slots = init.u32();
  std::string failed;
  out->progress = CallProgress::attach(kProgressFd, slots, &failed);
  if (!out->progress) return failed;
  failed = apply_sandbox(deny);
  if (!failed.empty()) return failed;
  // Said plainly: the loader would only see a file it cannot inspect.
  if (::access(path.c_str(), R_OK) != 0) {
    return "the worker, running as uid " + std::to_string(::geteuid()) +
           ", cannot read " + path + ": " + std::strerror(errno) +
           " (with --worker-user, that user must be able to read the "
           "plugins folder and the plugin file)";
  }
  const PluginFile file = inspect_plugin_file(path);
  if (!file.usable()) return file.problem;
  std::shared_ptr<LoadedPlugin> plugin;
  try {
    plugin = LoadedPlugin::load(file, sha);
  } catch (const Error& e) {
    return e.what();
  }
  auto context = std::make_unique<eh_context>(key, services);
  context->set_settings(settings);
  eh_context* ctx = context.get();
  if (auto init_fn = plugin->init()) {
    failed = guarded_call("eh_plugin_init",
                          [&] { return init_fn(host_api(), ctx); });
    if (!failed.empty()) return failed;
  }
  if (auto configure = plugin->configure()) {
    failed = guarded_call("eh_plugin_configure", [&] {
      return configure(ctx, settings->object_json.c_str());
    });
    if (!failed.empty()) {
      if (auto shutdown = plugin->shutdown()) shutdown(ctx);
      return failed;
    }
  }
  const Manifest& m = *file.manifest;
  RunnerConfig config;
  config.key = key;
  config.timeout = std::chrono::milliseconds(m.timeout_ms);
  config.subscribe = m.subscribe;
  out->runner = std::make_unique<PluginRunner>(std::move(config), plugin,
                                               std::move(context));
  return "";
}

WireResult deliver(PluginRunner& runner, WireEvent&& wire) {
  std::shared_ptr<Event> event = make_event();
  event->id = wire.id;
  event->name.assign(wire.name);
  event->payload.assign(wire.payload);
  event->emitted_at_us = wire.emitted_at_us;
  event->level = static_cast<LevelSet>(wire.level);
  WireResult result;
  result.event_id = event->id;
  const auto target = runner.target(event->name);
  if (!target) {
    result.outcome = static_cast<std::uint8_t>(Outcome::kError);
    result.code = EH_ERR_NOT_FOUND;
    result.message = "the worker found no handler for " + event->name;
    return result;
  }
  const Work work{event, target->handler, target->catch_all, nullptr,
                  wire.attempt};
  const DeliveryResult d = runner.deliver(work);
  result.outcome = static_cast<std::uint8_t>(d.outcome);
  result.code = d.code;
  result.message = d.message;
  result.duration_ns = static_cast<std::uint64_t>(d.duration.count());
  return result;
}

// Each call is marked in the progress page before and after, so the host
// knows where the worker was if it dies before the results are sent.
void serve_events(Session& session, ForwardingServices& services,
                  FrameReader& r) {
  const std::uint32_t count = r.u32();
  for (std::uint32_t i = 0; i < count; ++i) {
    WireEvent event = get_event(r);
    const std::uint64_t seq = ++session.calls;
    session.progress->enter(seq);
    const WireResult result = deliver(*session.runner, std::move(event));
    session.progress->leave(seq, result);
    services.queue(result);
  }
  services.flush();
}

void end_lifecycle(FrameChannel& channel, const std::string& error,
                   const std::string& result) {
  channel.send(
      FrameWriter(MessageType::kLifecycleEnd).str(error).str(result).finish());
}

int serve(FrameChannel& channel, ForwardingServices& services,
          Session& session) {
  PluginRunner& runner = *session.runner;
  for (;;) {
    Frame frame;
    if (channel.receive(&frame) != FrameChannel::Status::kOk) {
      runner.control().shutdown();  // the host went away
      return 0;
    }
    FrameReader r(frame.body);
    switch (frame.type) {
      case MessageType::kEvents:
        serve_events(session, services, r);
        break;
      case MessageType::kConfigure:
        end_lifecycle(channel,
                      runner.control().configure(to_settings(get_settings(r))),
                      "");
        break;
      case MessageType::kAction: {
        const std::string id = r.str();
        const std::string params = r.str();
        std::string result;
        const std::string error = runner.control().action(id, params, &result);
        end_lifecycle(channel, error, result);
        break;
      }
      case MessageType::kShutdown:
        runner.control().shutdown();
        return 0;
      default:
        throw ProtocolError("unexpected frame type " +
                            std::to_string(static_cast<int>(frame.type)));
    }
  }
}

int run() {
  FrameChannel channel(kChannelFd);
  Frame init;
  if (channel.receive(&init) != FrameChannel::Status::kOk ||
      init.type != MessageType::kInit) {
    std::fprintf(stderr,
                 "eventhost-worker: started without a host; it is "
                 "run by `eventhost` for process-tier plugins\n");
    return 2;
  }
  ForwardingServices services(channel);
  Session session;
  FrameReader r(init.body);
  const std::string failure = start(r, &services, &session);
  channel.send(FrameWriter(MessageType::kReady).str(failure).finish());
  if (!failure.empty()) return 3;
  return serve(channel, services, session);
}

}  // namespace
}  // namespace eventhost::worker

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_logger_st("worker");
  logger->set_pattern(std::string("[worker ") + (argc > 1 ? argv[1] : "?") +
                      " %l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
  try {
    return eventhost::worker::run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eventhost-worker: %s\n", e.what());
    return 4;
  }
}

#ifdef EH_SANITIZER_BUILD
// A plugin that crashes must kill its worker with that signal, as in a
// plain build: the supervisor tells a crash by it. The sanitizer would
// catch the signal instead and exit with a report and status 1. A genuine
// memory error in the worker's own code is still reported (that is
// instrumentation, not a signal).
extern "C" const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0";
}
extern "C" const char* __tsan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0";
}
#endif
