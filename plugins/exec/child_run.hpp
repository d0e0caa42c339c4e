// run_program -- runs one program to its end or its time budget, with
// given input on its standard input, and keeps the tail of what it wrote.
//
// No shell is involved: `program` is executed directly with `argv` and
// exactly the environment `env`. The child runs in a process group of its
// own (so that a budget overrun kills whatever it started too), gets
// SIGKILL if the thread that started it dies (PR_SET_PDEATHSIG: a worker
// killed by the host takes its run along), starts with default signal
// dispositions and an empty signal mask, and inherits no descriptor but
// 0, 1 and 2. The input is written while the output is read, so a program
// that writes before it reads cannot deadlock; one that does not read its
// input at all is fine too (EPIPE is ignored, SIGPIPE is blocked in the
// calling thread while the run lasts).
//
// The run ends when the program exits: output that a background process
// it left behind writes later is not waited for. Past `timeout` the whole
// process group gets SIGKILL.
//
// Thread-safety: reentrant; several threads may each run a program.
// Errors: throws std::runtime_error if the pipes or the fork cannot be
// made (out of descriptors or processes); a program that cannot be
// executed is a result (kNotStarted), not an exception.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace exec_plugin {

struct RunSpec {
  std::string program;            // the file to execute: a path with a '/'
  std::vector<std::string> argv;  // argv[0] first
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::string input;              // written to standard input, then EOF
  std::chrono::milliseconds timeout{10000};
};

struct RunResult {
  enum class End { kExited, kSignaled, kTimedOut, kNotStarted };
  End end = End::kNotStarted;
  int code = 0;          // the exit status, or the signal that ended it
  std::string why;       // kNotStarted: the error of execve
  std::string out_tail;  // the last 4 KiB of standard output
  std::string err_tail;  // the last 4 KiB of standard error
};

RunResult run_program(const RunSpec& spec);

}  // namespace exec_plugin
