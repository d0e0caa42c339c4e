#include "cli_sandbox.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace eventhost::test {
namespace {

// A child that runs longer than this is killed, so a hung host fails one
// test instead of hanging the suite.
constexpr auto kChildTimeout = std::chrono::seconds(60);

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
}

bool is_cleared(const std::string& entry) {
  return entry.rfind("EVENTHOST_", 0) == 0 ||
         entry.rfind("EH_MARKER_FILE=", 0) == 0 ||
         entry.rfind("HOME=", 0) == 0 || entry.rfind("XDG_", 0) == 0;
}

int wait_for(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + kChildTimeout;
  int wstatus = 0;
  while (waitpid(pid, &wstatus, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  return 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
}

}  // namespace

CliSandbox::CliSandbox() {
  std::string pattern = (fs::temp_directory_path() / "eh-cli-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  root_ = pattern;
  plugins_ = root_ / "plugins";
  fs::create_directory(plugins_);
  fs::permissions(plugins_, fs::perms(0755));
  fs::create_directory(root_ / "home");
  state_ = root_ / "state.db";
  // Each failing call counted once: these tests are about isolation and
  // output; the retry tests ask for retries themselves (set_env).
  env_["EVENTHOST_RETRY_ATTEMPTS"] = "1";
}

CliSandbox::~CliSandbox() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

fs::path CliSandbox::add_plugin(const std::string& file_name) {
  fs::path source = fs::path(EH_TEST_PLUGINS_DIR) / file_name;
  if (!fs::exists(source)) source = fs::path(EH_PLUGINS_DIR) / file_name;
  const fs::path target = plugins_ / file_name;
  fs::copy_file(source, target, fs::copy_options::overwrite_existing);
  fs::permissions(target, fs::perms(0644));
  return target;
}

void CliSandbox::set_env(const std::string& name, const std::string& value) {
  env_[name] = value;
}

std::vector<std::string> CliSandbox::child_environment() const {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!is_cleared(*entry)) env.emplace_back(*entry);
  }
  const fs::path home = root_ / "home";
  env.push_back("HOME=" + home.string());
  env.push_back("XDG_DATA_HOME=" + (home / "data").string());
  env.push_back("XDG_STATE_HOME=" + (home / "state").string());
  for (const auto& [name, value] : env_) env.push_back(name + "=" + value);
  return env;
}

CliRun CliSandbox::run(const std::vector<std::string>& args,
                       const std::string& stdin_text) const {
  std::vector<std::string> full = {"--plugins-dir", plugins_.string(),
                                   "--state", state_.string()};
  full.insert(full.end(), args.begin(), args.end());
  return run_bare(full, stdin_text);
}

CliRun CliSandbox::run_bare(const std::vector<std::string>& args,
                            const std::string& stdin_text) const {
  const std::string n = std::to_string(++runs_);
  const fs::path in = root_ / ("stdin." + n), out = root_ / ("stdout." + n),
                 err = root_ / ("stderr." + n);
  write_text(in, stdin_text);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_text = {EH_EVENTHOST_BIN};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = child_environment();
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, EH_EVENTHOST_BIN, &actions, nullptr,
                                  argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot spawn " EH_EVENTHOST_BIN);
  CliRun result;
  result.status = wait_for(pid);
  result.out = read_text(out);
  result.err = read_text(err);
  return result;
}

fs::path CliSandbox::enable_recorder() const {
  const fs::path record = root_ / "recorded.txt";
  const CliRun configured =
      run({"plugins", "configure", "recorder", "path=" + record.string()});
  INFO(configured.err);
  REQUIRE(configured.status == 0);
  const CliRun enabled = run({"plugins", "enable", "recorder"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
  return record;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json json_of(const CliRun& run) {
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  const nlohmann::json j = nlohmann::json::parse(run.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace eventhost::test
