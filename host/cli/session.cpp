#include "cli/session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "cli/cli_context.h"
#include "cli/output.h"

namespace eventhost::cli {

SessionOptions emitting_session() {
  SessionOptions session;
  session.announce = true;
  session.redeliver = true;
  return session;
}

SessionOptions management_session(const std::string& leave_unloaded) {
  SessionOptions session;
  session.announce = false;
  session.redeliver = false;
  session.leave_unloaded = leave_unloaded;
  return session;
}

void start_session(Host& host, const SessionOptions& session) {
  if (const auto& unclean = host.unclean_previous_run()) {
    std::cerr << "eventhost: warning: " << *unclean << std::endl;
  }
  host.start(session);
  if (!host.options().safe_mode) return;
  const auto views = host.plugins();
  const auto enabled =
      std::count_if(views.begin(), views.end(),
                    [](const PluginView& v) { return v.enabled; });
  std::cerr << "eventhost: safe mode: no plugins loaded; " << enabled
            << " enabled plugin" << (enabled == 1 ? "" : "s")
            << " left untouched" << std::endl;
}

bool wait_for_deliveries(Host& host, std::chrono::milliseconds wait) {
  const bool idle = host.wait_idle(wait);
  if (!idle) {
    spdlog::warn("deliveries still running after {} ms; stopping anyway",
                 wait.count());
  }
  return idle;
}

void stop_session(Host& host, int status_if_stuck) {
  const Host::StopReport report = host.stop();
  if (!report.journal_error.empty()) {
    // Not recorded means not accepted: say so, and fail the command.
    throw Error(
        ErrorKind::kIo,
        "events were delivered but the journal could not record them: " +
            report.journal_error);
  }
  if (report.clean) return;
  print_error("plugin(s) " + join(report.busy) +
              " did not finish a call within the shutdown grace; exiting "
              "without waiting for them");
  std::cout.flush();
  std::cerr.flush();
  // Flush rather than spdlog::shutdown(), which drops the default logger a
  // stuck plugin's late log line would then dereference.
  spdlog::default_logger_raw()->flush();
  // The stuck threads cannot be joined and are running plugin code: skip
  // the static destructors and exit handlers they could race with.
  std::_Exit(status_if_stuck);
}

bool finish_session(Host& host, std::chrono::milliseconds wait,
                    int status_if_stuck) {
  const bool idle = wait_for_deliveries(host, wait);
  stop_session(host, status_if_stuck);
  return idle;
}

}  // namespace eventhost::cli
