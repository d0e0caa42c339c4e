// CliSandbox -- a private world for one end-to-end test of the eventhost
// executable: a temp folder holding a plugins folder (0755, plugin files
// 0644), a fresh state file and a home of its own, and a way to run the
// real binary as a child process with its stdout and stderr captured.
//
// The child gets the test's environment minus every EVENTHOST_* variable
// (and EH_MARKER_FILE), with HOME and the XDG folders pointed inside the
// sandbox, so nothing from the developer's machine leaks in or out. Each
// run is a separate process: anything a later run sees went through the
// state file.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace eventhost::test {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;  // exit status; 128 + signal if killed
  std::string out, err;
};

class CliSandbox {
 public:
  CliSandbox();
  ~CliSandbox();
  CliSandbox(const CliSandbox&) = delete;
  CliSandbox& operator=(const CliSandbox&) = delete;

  const fs::path& root() const { return root_; }
  const fs::path& plugins_dir() const { return plugins_; }
  const fs::path& state_file() const { return state_; }

  // Copies a built plugin ("recorder.so") in, mode 0644; test-only plugins
  // are looked up first, then the shipped ones.
  fs::path add_plugin(const std::string& file_name);

  // Extra environment for every later run (e.g. EVENTHOST_EVENT_LEVEL),
  // daemons started on this sandbox included.
  void set_env(const std::string& name, const std::string& value);
  const std::map<std::string, std::string>& extra_env() const { return env_; }

  // Runs eventhost with --plugins-dir and --state of this sandbox first.
  CliRun run(const std::vector<std::string>& args,
             const std::string& stdin_text = "") const;
  // Runs eventhost with exactly `args`.
  CliRun run_bare(const std::vector<std::string>& args,
                  const std::string& stdin_text = "") const;

  // Configures the recorder to write to a file in the sandbox and enables
  // it; returns that file.
  fs::path enable_recorder() const;

 private:
  std::vector<std::string> child_environment() const;

  fs::path root_, plugins_, state_;
  std::map<std::string, std::string> env_;
  mutable int runs_ = 0;
};

std::string read_text(const fs::path& file);

// Parses a run's stdout as JSON; fails the test if it is not.
nlohmann::json json_of(const CliRun& run);

}  // namespace eventhost::test
