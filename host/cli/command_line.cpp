// The eventhost command line: finds the command that the first words name,
// parses the rest with Boost.program_options, prints help, and turns
// errors into exit statuses.
#include <eventhost/plugin.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "eventhost/version.h"

namespace eventhost::cli {
namespace {

std::vector<Command> all_commands() {
  std::vector<Command> all;
  for (auto family :
       {plugins_commands, plugins_session_commands, plugins_authoring_commands,
        emit_commands, events_commands, level_commands, journal_commands,
        deadletters_commands, replay_commands, run_commands, cluster_commands}) {
    for (Command& c : family()) all.push_back(std::move(c));
  }
  return all;
}

bool has_subcommands(const std::vector<Command>& all,
                     const std::string& family) {
  for (const Command& c : all) {
    if (c.family == family && !c.name.empty()) return true;
  }
  return false;
}

po::options_description own_options(const Command& c,
                                    po::positional_options_description& pos) {
  po::options_description own("Options");
  if (c.declare) c.declare(own, pos);
  return own;
}

// Long names of every option that takes a value, so the scan for command
// words can step over option values ("--state FILE plugins list").
std::set<std::string> options_with_values(const std::vector<Command>& all) {
  std::set<std::string> names;
  auto collect = [&](const po::options_description& d) {
    for (const auto& option : d.options()) {
      if (option->semantic()->max_tokens() > 0) {
        names.insert(option->long_name());
      }
    }
  };
  collect(global_options_description());
  for (const Command& c : all) {
    po::positional_options_description ignored;
    collect(own_options(c, ignored));
  }
  return names;
}

// The command words (family and, if it has any, subcommand) split from
// everything else, which is left for program_options.
struct SplitArgs {
  std::vector<std::string> words;
  std::vector<std::string> rest;
};

SplitArgs split_command_words(int argc, char** argv,
                              const std::vector<Command>& all) {
  const std::set<std::string> valued = options_with_values(all);
  SplitArgs split;
  std::size_t wanted = 1;
  bool only_positionals = false;
  for (int i = 1; i < argc; ++i) {
    const std::string token = argv[i];
    const bool is_option =
        !only_positionals && token.size() > 1 && token[0] == '-';
    if (token == "--") only_positionals = true;
    if (is_option) {
      split.rest.push_back(token);
      const std::string name = token.substr(token.find_first_not_of('-'));
      if (name.find('=') == std::string::npos && valued.count(name) &&
          i + 1 < argc) {
        split.rest.push_back(argv[++i]);
      }
      continue;
    }
    if (split.words.size() < wanted && token != "--") {
      split.words.push_back(token);
      if (split.words.size() == 1 && has_subcommands(all, token)) wanted = 2;
      continue;
    }
    split.rest.push_back(token);
  }
  return split;
}

bool asks_for_help(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

std::string command_list(const std::vector<Command>& all,
                         const std::string& family = "") {
  std::ostringstream out;
  for (const Command& c : all) {
    if (!family.empty() && c.family != family) continue;
    const std::string words = c.family + (c.name.empty() ? "" : " " + c.name);
    out << "  " << words
        << std::string(words.size() < 20 ? 20 - words.size() : 1, ' ')
        << c.summary << "\n";
  }
  return out.str();
}

std::string family_names(const std::vector<Command>& all) {
  std::string names;
  std::set<std::string> seen;
  for (const Command& c : all) {
    if (!seen.insert(c.family).second) continue;
    names += (names.empty() ? "" : ", ") + c.family;
  }
  return names;
}

void print_global_help(const std::vector<Command>& all) {
  std::cout
      << "eventhost " << kHostVersion
      << " -- a native event plugin host\n\n"
         "Usage: eventhost [global options] <command> [options] [arguments]\n\n"
         "Commands:\n"
      << command_list(all)
      << "\nRun `eventhost <command> --help` for a command's options and "
         "examples.\n\n"
         "Examples:\n"
         "  eventhost plugins list\n"
         "  eventhost plugins configure recorder path=/tmp/events.txt\n"
         "  eventhost plugins enable recorder\n"
         "  eventhost emit channel.created '{\"channel_id\": 7}'\n"
         "  eventhost level set CRITICAL\n"
         "  eventhost journal list --since 1h\n"
         "  eventhost deadletters retry --all\n"
         "  eventhost run --listen 127.0.0.1:8080\n\n"
      << global_options_description()
      << "  --version             print the host and plugin ABI versions\n\n"
         "Environment:\n"
         "  EVENTHOST_PLUGINS_DIR, EVENTHOST_STATE, EVENTHOST_LOG_LEVEL\n"
         "                        used when the matching option is not given\n"
         "  EVENTHOST_EVENT_LEVEL overrides the stored event level\n"
         "                        (NONE|CRITICAL|SYSTEM|FULL)\n\n"
      << kExitCodeHelp;
}

void print_family_help(const std::vector<Command>& all,
                       const std::string& family) {
  std::cout << "Usage: eventhost " << family << " <subcommand> ...\n\n"
            << "Subcommands:\n"
            << command_list(all, family) << "\nRun `eventhost " << family
            << " <subcommand> --help` for details and examples.\n";
}

std::set<std::string> positional_names(
    const po::positional_options_description& positionals) {
  std::set<std::string> names;
  const unsigned count = std::min(positionals.max_total_count(), 16u);
  for (unsigned i = 0; i < count; ++i) {
    names.insert(positionals.name_for_position(i));
  }
  return names;
}

// Positionals are shown as arguments (KEY), not as the options
// program_options keeps them under (--key).
void print_command_help(const Command& c, const po::options_description& own,
                        const po::positional_options_description& pos) {
  std::cout << "Usage: eventhost " << c.synopsis << "\n\n"
            << c.summary << "\n\n"
            << c.details << "\n";
  const std::set<std::string> positional = positional_names(pos);
  po::options_description visible("Options");
  Table arguments({"", ""});
  for (const auto& option : own.options()) {
    if (!positional.count(option->long_name())) {
      visible.add(option);
      continue;
    }
    std::string name = option->long_name();
    for (char& ch : name) ch = static_cast<char>(std::toupper(ch));
    arguments.add_row({name, option->description()});
  }
  if (!arguments.empty()) {
    std::cout << "Arguments:\n";
    arguments.print_rows("  ");
    std::cout << "\n";
  }
  if (!visible.options().empty()) std::cout << visible << "\n";
  std::cout << global_options_description() << "\n" << kExitCodeHelp;
}

void print_version() {
  std::cout << "eventhost " << kHostVersion << "\n"
            << "plugin ABI " << EH_ABI_VERSION_MAJOR << "."
            << EH_ABI_VERSION_MINOR << "\n";
}

const Command* find_command(const std::vector<Command>& all,
                            const std::vector<std::string>& words) {
  for (const Command& c : all) {
    if (c.family != words[0]) continue;
    if (c.name.empty() || (words.size() > 1 && c.name == words[1])) return &c;
  }
  return nullptr;
}

// A missing positional is named as the synopsis names it ("missing KEY"),
// not as the option program_options keeps it under ("--key").
std::string usage_problem(const po::error& e) {
  if (const auto* missing = dynamic_cast<const po::required_option*>(&e)) {
    std::string name = missing->get_option_name();
    name.erase(0, name.find_first_not_of('-'));
    for (char& ch : name) ch = static_cast<char>(std::toupper(ch));
    return "missing " + name;
  }
  return e.what();
}

// Parses `args` for `c` and runs it.
int run_command(const Command& c, const std::vector<std::string>& args) {
  po::positional_options_description positionals;
  po::options_description own = own_options(c, positionals);
  po::options_description all_options;
  all_options.add(own).add(global_options_description());
  Invocation inv;
  try {
    po::store(po::command_line_parser(args)
                  .options(all_options)
                  .positional(positionals)
                  .run(),
              inv.vm);
    if (inv.vm.count("help")) {
      print_command_help(c, own, positionals);
      return kExitOk;
    }
    po::notify(inv.vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::kUsage,
                usage_problem(e) + "; usage: eventhost " + c.synopsis);
  }
  inv.globals = resolve_globals(inv.vm);
  setup_logging(inv.globals.log_level);
  return c.run(inv);
}

int dispatch(int argc, char** argv) {
  const std::vector<Command> all = all_commands();
  const SplitArgs split = split_command_words(argc, argv, all);
  const bool help = asks_for_help(split.rest);
  if (split.words.empty()) {
    if (help) return print_global_help(all), kExitOk;
    if (split.rest.size() == 1 && split.rest[0] == "--version") {
      return print_version(), kExitOk;
    }
    throw Error(ErrorKind::kUsage,
                "no command given; commands: " + family_names(all) +
                    " (see eventhost --help)");
  }
  const std::string& family = split.words[0];
  if (find_command(all, {family}) == nullptr && !has_subcommands(all, family)) {
    throw Error(ErrorKind::kUsage, "unknown command '" + family +
                                       "'; commands: " + family_names(all) +
                                       " (see eventhost --help)");
  }
  const Command* command = find_command(all, split.words);
  if (command == nullptr) {
    if (split.words.size() == 1 && help) {
      return print_family_help(all, family), kExitOk;
    }
    std::string subs;
    for (const Command& c : all) {
      if (c.family == family) subs += (subs.empty() ? "" : ", ") + c.name;
    }
    throw Error(
        ErrorKind::kUsage,
        (split.words.size() > 1 ? "unknown subcommand '" + split.words[1] + "'"
                                : "missing subcommand") +
            " for " + family + "; use one of: " + subs + " (see eventhost " +
            family + " --help)");
  }
  return run_command(*command, split.rest);
}

}  // namespace

int run_command_line(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const po::error& e) {
    print_error(std::string(e.what()) + " (see eventhost --help)");
    return kExitUsage;
  } catch (const Error& e) {
    print_error(e.what());
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitRuntime;
  }
}

}  // namespace eventhost::cli
