// Command -- one eventhost subcommand: its words ("plugins list"), its own
// options and positional arguments, its help text and what it runs.
//
// Each command family lives in its own file and returns its commands from
// a *_commands() function; command_line.cpp gathers them, finds the one the
// command words name, parses the rest with the global options added, and
// runs it.
//
// Thread-safety: built and used by the main thread only.
// Errors: a command's run() returns an exit status, or throws
// eventhost::Error, which command_line.cpp maps to a status.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

#include "cli/cli_context.h"

namespace eventhost::cli {

namespace po = boost::program_options;

struct Invocation {
  GlobalOptions globals;
  po::variables_map vm;  // the command's options and positionals
};

struct Command {
  std::string family;    // "plugins"; for a one-word command, its name
  std::string name;      // "list"; "" for a one-word command (emit)
  std::string synopsis;  // "plugins info KEY [--json]"
  std::string summary;   // one line for the command list
  std::string details;   // paragraphs and examples for --help
  // Declares the command's own options and positionals (may stay empty).
  std::function<void(po::options_description&,
                     po::positional_options_description&)>
      declare;
  std::function<int(const Invocation&)> run;
};

std::vector<Command> plugins_commands();
std::vector<Command> plugins_authoring_commands();
std::vector<Command> plugins_session_commands();
std::vector<Command> emit_commands();
std::vector<Command> events_commands();
std::vector<Command> level_commands();
std::vector<Command> run_commands();
std::vector<Command> journal_commands();
std::vector<Command> deadletters_commands();
std::vector<Command> replay_commands();
std::vector<Command> cluster_commands();

// Runs the eventhost command line; returns the process exit status.
int run_command_line(int argc, char** argv);

}  // namespace eventhost::cli
