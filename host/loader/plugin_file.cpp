// Discovery: what a plugin file is, learnt by reading it as data. Each check
// turns into a `problem` that says what is wrong and what to do, so a user
// listing plugins sees why one is refused instead of a stack of errors.
#include "loader/plugin_file.h"

#include <eventhost/plugin.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "common/error.h"
#include "loader/cxx_symbol.h"
#include "loader/elf_reader.h"

namespace eventhost {
namespace {

namespace fs = std::filesystem;

// The ELF e_machine of the processor this host was built for; 0 if not
// known here, which skips the check (dlopen will still refuse a mismatch).
constexpr std::uint16_t host_elf_machine() {
#if defined(__x86_64__)
  return 62;
#elif defined(__aarch64__)
  return 183;
#elif defined(__i386__)
  return 3;
#elif defined(__arm__)
  return 40;
#else
  return 0;
#endif
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// "" if the path is writable only by its owner; else why that is refused.
std::string writable_by_others(const fs::path& path, const char* what) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    return std::string("cannot stat ") + what + ": " + std::strerror(errno);
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) == 0) return "";
  return std::string(what) + " " + path.string() +
         " is writable by group or others (mode " + octal_mode(info.st_mode) +
         "), so another user could replace plugin code: run chmod go-w " +
         path.string();
}

std::string abi_text(std::uint32_t version) {
  return std::to_string(EH_ABI_MAJOR_OF(version)) + "." +
         std::to_string(version & 0xffffu);
}

std::uint32_t read_u32_le(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 4; i-- > 0;) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

// on_[a-z][a-z0-9_]*: the only names the host calls as handlers.
bool is_handler_name(const std::string& name) {
  return name.size() > 3 && name.compare(0, 3, "on_") == 0 && name[3] >= 'a' &&
         name[3] <= 'z' &&
         std::all_of(name.begin() + 3, name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// "on_", "On_x", "ON_y": meant as a handler, perhaps, but not one.
bool looks_like_handler(const std::string& name) {
  return name.size() >= 3 && (name[0] == 'o' || name[0] == 'O') &&
         (name[1] == 'n' || name[1] == 'N') && name[2] == '_';
}

bool is_lifecycle_name(std::string_view name) {
  return name == "eh_on_any_event" || name == "eh_plugin_init" ||
         name == "eh_plugin_configure" || name == "eh_plugin_shutdown" ||
         name == "eh_plugin_action";
}

// A handler or lifecycle function the author exported without extern "C":
// the mistake of copying a C example into a .cpp file.
bool is_cxx_linkage_entry_point(const std::string& symbol) {
  const auto function = parse_mangled_function(symbol);
  if (!function || (function->nested && !function->takes_abi_types)) {
    return false;
  }
  return looks_like_handler(function->name) ||
         is_lifecycle_name(function->name);
}

void sort_unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

// Sorts exported symbols into the roles the host knows about.
void classify_symbols(const std::vector<std::string>& symbols,
                      PluginFile& out) {
  for (const std::string& name : symbols) {
    if (name == "eh_on_any_event") out.has_catch_all = true;
    if (name == "eh_plugin_init") out.has_init = true;
    if (name == "eh_plugin_configure") out.has_configure = true;
    if (name == "eh_plugin_shutdown") out.has_shutdown = true;
    if (name == "eh_plugin_action") out.has_action = true;
    if (is_handler_name(name)) {
      out.handler_symbols.push_back(name);
    } else if (looks_like_handler(name)) {
      out.ignored_symbols.push_back(name);
    } else if (is_cxx_linkage_entry_point(name)) {
      out.cxx_linkage_exports.push_back(demangle_symbol(name));
    }
  }
  sort_unique(out.handler_symbols);
  sort_unique(out.ignored_symbols);
  sort_unique(out.cxx_linkage_exports);
}

// Reads the manifest section into `out`; returns the problem, "" if none.
std::string read_manifest(const ElfReader& elf, PluginFile& out) {
  const auto section = elf.find_section(EH_MANIFEST_SECTION);
  if (!section) {
    return "has no eventhost manifest (no \"" EH_MANIFEST_SECTION
           "\" section): build it with eventhost_add_plugin() from the "
           "eventhost CMake package, or add EH_PLUGIN_MANIFEST(\"{...}\") "
           "to one of its sources";
  }
  const std::size_t header_size = sizeof(eh_manifest_header);
  if (section->size() < header_size ||
      section->substr(0, 8) != std::string_view(EH_MANIFEST_MAGIC, 8)) {
    return "the eventhost manifest section is damaged (bad header): "
           "rebuild the plugin against this eventhost SDK";
  }
  out.abi_version = read_u32_le(*section, 8);
  const std::uint32_t json_size = read_u32_le(*section, 12);
  if (EH_ABI_MAJOR_OF(out.abi_version) != EH_ABI_VERSION_MAJOR) {
    return "built for plugin ABI " + abi_text(out.abi_version) +
           ", this host speaks " + std::to_string(EH_ABI_VERSION_MAJOR) +
           ".x: rebuild the plugin against this eventhost SDK";
  }
  if (json_size > section->size() - header_size) {
    return "the eventhost manifest section is damaged (its JSON runs past "
           "the section): rebuild the plugin";
  }
  try {
    out.manifest = Manifest::parse(section->substr(header_size, json_size));
  } catch (const Error& e) {
    return std::string("invalid ") + e.what() +
           ": fix the plugin's manifest and rebuild it";
  }
  return "";
}

// The checks that need the file's bytes; returns the problem, "" if none.
std::string inspect_contents(const fs::path& file, PluginFile& out) {
  std::optional<ElfReader> elf;
  try {
    elf.emplace(ElfReader::from_file(file));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kIo) return e.what();
    std::string head(4, '\0');
    if (std::FILE* f = std::fopen(file.c_str(), "rb")) {
      head.resize(std::fread(head.data(), 1, head.size(), f));
      std::fclose(f);
    }
    if (!ElfReader::has_elf_magic(head)) {
      return "not a shared library (no ELF header): remove it from the "
             "plugins folder";
    }
    return std::string("not a valid shared library (") + e.what() +
           "): the file is truncated or damaged; rebuild it or copy it again";
  }
  const std::uint16_t machine = host_elf_machine();
  if (machine != 0 &&
      (elf->machine() != machine || elf->is_64bit() != (sizeof(void*) == 8))) {
    return "built for another processor (ELF machine " +
           std::to_string(elf->machine()) +
           "): rebuild the plugin for this machine";
  }
  try {
    classify_symbols(elf->dynamic_symbols(), out);
  } catch (const Error& e) {
    return std::string("not a valid shared library (") + e.what() +
           "): the file is truncated or damaged; rebuild it or copy it again";
  }
  return read_manifest(*elf, out);
}

}  // namespace

PluginFile inspect_plugin_file(const fs::path& file) {
  PluginFile out;
  out.path = file;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    out.problem = "not a regular file: plugins must be plain .so files";
    return out;
  }
  const std::string mode_problem =
      writable_by_others(file, "the plugin file");
  std::string contents_problem;
  try {
    contents_problem = inspect_contents(file, out);
  } catch (const std::exception& e) {
    // Resource exhaustion and the like; one bad file must not stop a scan.
    contents_problem = std::string("could not be inspected: ") + e.what();
  }
  if (!contents_problem.empty()) out.manifest.reset();
  // A file others may rewrite is refused, but its manifest is still read
  // (as data, never run): its key lets `plugins list` show it and
  // `plugins enable KEY` say why it is refused.
  out.problem = mode_problem.empty() ? contents_problem : mode_problem;
  return out;
}

ScanResult scan_plugins_folder(const fs::path& folder) {
  ScanResult result;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    result.folder_problem = "plugins folder " + folder.string() +
                            " does not exist or is not a folder: create it "
                            "or point the host at another one";
    return result;
  }
  result.folder_problem = writable_by_others(folder, "the plugins folder");
  if (!result.folder_problem.empty()) {
    result.folder_refused = true;
    return result;
  }

  std::vector<fs::path> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".so") files.push_back(it->path());
  }
  if (ec) {
    result.folder_problem =
        "cannot list plugins folder " + folder.string() + ": " + ec.message();
    return result;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    result.plugins.push_back(inspect_plugin_file(file));
  }
  return result;
}

}  // namespace eventhost
