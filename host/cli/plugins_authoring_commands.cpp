// `eventhost plugins new` and `eventhost plugins validate`: the commands a
// plugin author uses before there is anything to enable. Neither needs a
// state file or a plugins folder, and validate never runs plugin code.
#include <eventhost/plugin.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/scaffold.h"
#include "core/plugin_check.h"

namespace eventhost::cli {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

void check_plugin_name(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 64 && key[0] >= 'a' && key[0] <= 'z';
  for (char c : key) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    throw Error(ErrorKind::kUsage,
                "plugin name '" + key +
                    "' must match [a-z][a-z0-9_]* (at most 64), e.g. "
                    "my_plugin: it becomes the manifest key and file name");
  }
}

std::vector<const EventSpec*> requested_events(const std::string& list) {
  const Catalogue& catalogue = Catalogue::builtin();
  std::vector<const EventSpec*> events;
  for (const std::string& name : split_list(list)) {
    const EventSpec* spec = catalogue.find(name);
    if (spec == nullptr) {
      const std::string near = catalogue.nearest(name);
      throw Error(ErrorKind::kNotFound,
                  "unknown event '" + name + "'" +
                      (near.empty() ? "" : "; did you mean '" + near + "'?") +
                      " (`eventhost events list` shows every known event)");
    }
    events.push_back(spec);
  }
  if (events.empty()) {
    throw Error(ErrorKind::kUsage,
                "--events needs at least one event, e.g. channel.created");
  }
  return events;
}

// Writes the project; refuses to touch a folder that already has files.
int new_plugin(const Invocation& inv) {
  ScaffoldRequest request;
  request.key = inv.vm["name"].as<std::string>();
  check_plugin_name(request.key);
  const std::string lang = inv.vm["lang"].as<std::string>();
  if (lang != "cpp" && lang != "c") {
    throw Error(ErrorKind::kUsage,
                "--lang must be cpp or c, not '" + lang + "'");
  }
  request.c_language = lang == "c";
  request.typed = inv.vm.count("typed") > 0;
  if (request.typed && request.c_language) {
    throw Error(ErrorKind::kUsage,
                "--typed writes C++ handlers (EH_ON_EVENT); drop --lang c or "
                "--typed");
  }
  request.events = requested_events(inv.vm["events"].as<std::string>());
  const fs::path dir = inv.vm.count("dir")
                           ? fs::path(inv.vm["dir"].as<std::string>())
                           : fs::path(request.key);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    throw Error(ErrorKind::kRefused,
                dir.string() +
                    " already exists and is not empty: choose "
                    "another folder with --dir");
  }
  std::vector<std::string> written;
  for (const ScaffoldFile& file : scaffold_files(request)) {
    const fs::path path = dir / file.path;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << file.content;
    out.close();
    if (ec || !out) {
      throw Error(ErrorKind::kIo, "cannot write " + path.string() +
                                      (ec ? ": " + ec.message() : ""));
    }
    written.push_back(path.string());
  }
  if (inv.globals.json) {
    print_json(
        {{"dir", dir.string()}, {"key", request.key}, {"files", written}});
    return kExitOk;
  }
  std::cout << "created " << request.key << " ("
            << (request.c_language ? "C"
                : request.typed    ? "C++, typed handlers"
                                   : "C++")
            << ") in " << dir.string() << ":\n";
  for (const std::string& path : written) std::cout << "  " << path << "\n";
  std::cout << "\nnext:\n  cd " << dir.string()
            << " && cmake -S . -B build && cmake --build build && "
               "ctest --test-dir build\n"
            << "  cp build/" << request.key
            << ".so <plugins folder> && eventhost plugins enable "
            << request.key << "\n";
  return kExitOk;
}

std::string abi_text(std::uint32_t version) {
  if (version == 0) return "unknown";
  return std::to_string(EH_ABI_MAJOR_OF(version)) + "." +
         std::to_string(version & 0xffffu);
}

nlohmann::json check_json(const PluginCheck& check, bool valid) {
  const PluginFile& f = check.file;
  nlohmann::json handled = nlohmann::json::object();
  for (const auto& [symbol, event] : check.handled) handled[symbol] = event;
  return {{"file", f.path.string()},
          {"valid", valid},
          {"key", f.manifest ? f.manifest->key : ""},
          {"abi_version", abi_text(f.abi_version)},
          {"handlers", f.handler_symbols},
          {"handled", handled},
          {"catch_all", f.has_catch_all},
          {"errors", check.errors},
          {"warnings", check.warnings}};
}

void print_check(const PluginCheck& check, bool valid) {
  const PluginFile& f = check.file;
  std::cout << f.path.string() << ": " << (valid ? "valid" : "INVALID") << "\n";
  if (f.manifest) {
    std::cout << "  key " << f.manifest->key << ", version "
              << (f.manifest->version.empty() ? "-" : f.manifest->version)
              << ", ABI " << abi_text(f.abi_version) << "\n";
  } else if (f.abi_version != 0) {
    std::cout << "  ABI " << abi_text(f.abi_version) << "\n";
  }
  for (const auto& [symbol, event] : check.handled) {
    std::cout << "  handler " << symbol << " -> " << event << "\n";
  }
  if (f.has_catch_all) std::cout << "  handler eh_on_any_event\n";
  for (const std::string& e : check.errors)
    std::cout << "  error: " << e << "\n";
  for (const std::string& w : check.warnings) {
    std::cout << "  warning: " << w << "\n";
  }
}

int validate_plugins(const Invocation& inv) {
  const bool strict = inv.vm.count("strict") > 0;
  bool all_valid = true;
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& file :
       inv.vm["file"].as<std::vector<std::string>>()) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      throw Error(ErrorKind::kNotFound,
                  "no such file " + file +
                      ": pass the built plugin, e.g. build/my_plugin.so");
    }
    const PluginCheck check = check_plugin_file(
        file, catalogue_with_folder(inv.globals.plugins_dir, file));
    const bool valid = check.valid() && !(strict && !check.warnings.empty());
    all_valid = all_valid && valid;
    if (inv.globals.json) {
      results.push_back(check_json(check, valid));
    } else {
      print_check(check, valid);
    }
  }
  if (inv.globals.json) print_json(results);
  return all_valid ? kExitOk : kExitInvalidInput;
}

}  // namespace

std::vector<Command> plugins_authoring_commands() {
  Command create;
  create.family = "plugins";
  create.name = "new";
  create.synopsis =
      "plugins new NAME [--lang cpp|c] [--typed] [--events E1,E2] "
      "[--dir DIR]";
  create.summary = "Write a new plugin project that builds against the SDK";
  create.details =
      "Writes a small project in DIR (default ./NAME): CMakeLists.txt using\n"
      "the installed eventhost_sdk package, the plugin source with one\n"
      "handler per event (the payload fields in comments), manifest.json\n"
      "with one example setting, a unit test on eventhost/testing.hpp and a\n"
      "README. --typed writes C++ handlers in the typed style: EH_ON_EVENT\n"
      "with the event's struct from eventhost/events.hpp, each field a\n"
      "std::optional of its type, a misspelt field a compile error.\n"
      "Refuses a DIR that exists and is not empty. Build it with\n"
      "`cmake -S DIR -B DIR/build && cmake --build DIR/build` (add\n"
      "-DCMAKE_PREFIX_PATH=<prefix> if eventhost is not installed in /usr);\n"
      "DIR/build/NAME.so is the file to drop into the plugins folder.\n\n"
      "Examples:\n"
      "  eventhost plugins new channel_alerts\n"
      "  eventhost plugins new recording_watch --typed "
      "--events recording.completed\n"
      "  eventhost plugins new login_watch --lang c "
      "--events auth.login_failed,auth.login\n"
      "  eventhost plugins new my_plugin --dir ~/src/my_plugin --json\n";
  create.declare = [](po::options_description& options,
                      po::positional_options_description& positionals) {
    options.add_options()("name", po::value<std::string>()->required(),
                          "the plugin's key, [a-z][a-z0-9_]*")(
        "lang", po::value<std::string>()->default_value("cpp"), "cpp or c")(
        "typed",
        "C++ handlers on the typed event structs (EH_ON_EVENT) instead of "
        "JSON field lookups")(
        "events", po::value<std::string>()->default_value("channel.created"),
        "comma-separated catalogue events to handle")(
        "dir", po::value<std::string>()->value_name("DIR"),
        "where to write the project (default ./NAME)");
    positionals.add("name", 1);
  };
  create.run = new_plugin;

  Command validate;
  validate.family = "plugins";
  validate.name = "validate";
  validate.synopsis = "plugins validate FILE... [--strict] [--json]";
  validate.summary = "Check plugin files without running them";
  validate.details =
      "Reads each plugin file as data (no plugin code runs) and reports\n"
      "errors, which make the host refuse it (not a shared library, a bad\n"
      "manifest, a setting default of the wrong type, a declared event\n"
      "outside the plugin's namespace, another ABI major), and warnings\n"
      "(handlers for no known event with the nearest name, look-alike\n"
      "exports, handlers exported with C++ linkage (no extern \"C\"),\n"
      "subscribe patterns nothing receives, host_version, no handler). The\n"
      "events that plugins in the plugins folder declare count as known,\n"
      "except those of a file with the same key (an installed copy of the\n"
      "plugin being checked).\n"
      "The same warnings appear in `plugins list` and `plugins info`.\n\n"
      "Exit status: 0 if every file is valid, 4 if one is not (with\n"
      "--strict, warnings count too), 3 if a file does not exist.\n\n"
      "Examples:\n"
      "  eventhost plugins validate build/my_plugin.so\n"
      "  eventhost plugins validate --strict --json build/*.so\n";
  validate.declare = [](po::options_description& options,
                        po::positional_options_description& positionals) {
    options.add_options()(
        "file", po::value<std::vector<std::string>>()->required(),
        "plugin files (.so) to check")("strict", "treat warnings as errors");
    positionals.add("file", -1);
  };
  validate.run = validate_plugins;
  return {create, validate};
}

}  // namespace eventhost::cli
