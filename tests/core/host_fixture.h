// Helpers for the Host tests: options pointing at a Sandbox, and reading
// what the recorder and audit_log plugins wrote.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../dispatch/plugin_sandbox.h"
#include "core/host.h"

namespace eventhost::testing {

// Options for a Host on `box`. `outcomes` must outlive the Host.
inline HostOptions host_options(const Sandbox& box, Outcomes* outcomes,
                                std::uint32_t breaker_threshold = 5) {
  HostOptions options;
  options.plugins_dir = box.plugins();
  options.state_path = box.state();
  options.threads = 4;
  options.breaker_threshold = breaker_threshold;
  // One delivery per event: the retry tests ask for more themselves.
  options.retry_attempts = 1;
  if (outcomes != nullptr) {
    options.observer = [outcomes](const DeliveryResult& r) {
      outcomes->add(r);
    };
  }
  return options;
}

// The audit_log lines (JSON objects) for `event`.
inline std::vector<nlohmann::json> audited(const fs::path& file,
                                           const std::string& event) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : read_lines(file)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.at("event") == event) out.push_back(j);
  }
  return out;
}

// A channel.created payload whose id the thrower puts in its message.
inline std::string channel_payload(int channel_id) {
  return nlohmann::json{
      {"channel_id", channel_id},
      {"channel_name", "Channel " + std::to_string(channel_id)}}
      .dump();
}

}  // namespace eventhost::testing
