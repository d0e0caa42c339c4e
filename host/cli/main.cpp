// The eventhost executable: everything happens in run_command_line().
#include "cli/command.h"

int main(int argc, char** argv) {
  return eventhost::cli::run_command_line(argc, argv);
}
