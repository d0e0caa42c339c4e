// audit_log -- appends one JSON line per event to the file named by the
// `path` setting:
//   {"id":..,"event":"..","level":"FULL","emitted_at_us":..,"data":{..}}
//
// The file is opened in append mode in configure (so a change of `path`
// takes effect at once) and flushed after every line, so a crash of the
// host loses no line that a handler reported as written. Redelivery may
// write an event twice; its "id" lets a reader drop the duplicate.
//
// No mutex: the manifest leaves "concurrency" at 1, so the host serializes
// every call into this plugin (handlers, configure, shutdown).
#include <cerrno>
#include <cstring>
#include <eventhost/plugin.hpp>
#include <fstream>
#include <string>
#include <string_view>

namespace {

constexpr const char* kPathHelp =
    "audit_log: set the 'path' setting: eventhost plugins configure "
    "audit_log path=/var/log/eventhost/audit.jsonl";

struct AuditFile {
  std::string path;
  std::ofstream out;
};

const char* level_name(std::uint32_t level) {
  switch (level) {
    case EH_LEVEL_CRITICAL:
      return "CRITICAL";
    case EH_LEVEL_SYSTEM:
      return "SYSTEM";
    case EH_LEVEL_FULL:
      return "FULL";
    default:
      return "UNKNOWN";
  }
}

// Opens `path` for appending; the caller keeps the stream only if it opened.
void open_file(AuditFile& file, const std::string& path) {
  file.out = std::ofstream(path, std::ios::out | std::ios::app);
  file.path = path;
  if (!file.out) {
    throw eventhost::Failure(EH_ERR_FAILED, "audit_log: cannot open '" + path +
                                                "': " + std::strerror(errno));
  }
}

}  // namespace

EH_PLUGIN_INIT(eventhost::Context& ctx) { ctx.emplace_user_data<AuditFile>(); }

EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& ctx) {
  AuditFile* file = ctx.user_data<AuditFile>();
  if (file == nullptr) return;
  std::string path = settings.value("path", std::string());
  file->out.close();
  file->path.clear();
  // Not an error yet: the user may enable first and configure next. Each
  // event fails with the same message until the path is set.
  if (path.empty()) {
    ctx.warn(kPathHelp);
    return;
  }
  open_file(*file, path);
}

EH_ON_ANY_EVENT(const eventhost::Event& ev, eventhost::Context& ctx) {
  AuditFile* file = ctx.user_data<AuditFile>();
  if (file == nullptr || file->path.empty()) {
    throw eventhost::Failure(EH_ERR_INVALID_ARGUMENT, kPathHelp);
  }
  if (!file->out.is_open()) open_file(*file, file->path);
  // Written as text, not through nlohmann: the name is [a-z0-9_.] and the
  // payload is a JSON object the host has already checked and minified,
  // so both go in as they are, without a parse and a dump per event.
  std::string line;
  const std::string_view payload = ev.raw_payload();
  line.reserve(96 + ev.name().size() + payload.size());
  line.append("{\"id\":")
      .append(std::to_string(ev.id()))
      .append(",\"event\":\"")
      .append(ev.name())
      .append("\",\"level\":\"")
      .append(level_name(ev.level()))
      .append("\",\"emitted_at_us\":")
      .append(std::to_string(ev.emitted_at_us()))
      .append(",\"data\":")
      .append(payload.empty() ? std::string_view("{}") : payload)
      .append("}\n");
  file->out.write(line.data(), static_cast<std::streamsize>(line.size()));
  file->out.flush();
  if (!file->out) {
    file->out.close();  // reopened on the next event, once the disk recovers
    throw eventhost::Failure(EH_ERR_FAILED,
                             "audit_log: write to '" + file->path + "' failed");
  }
}

EH_PLUGIN_SHUTDOWN(eventhost::Context& ctx) {
  ctx.destroy_user_data<AuditFile>();
}
