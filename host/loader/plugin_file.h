// PluginFile and discovery -- what the host learns about a plugin file by
// reading it as data. Discovery never loads (dlopen) a plugin: no plugin
// code runs until a user enables it and an event is dispatched to it.
//
// Thread-safety: free functions; each call works on its own data.
// Errors: a problem with one file is recorded in that PluginFile's
// `problem` and never stops the scan of the others.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "loader/manifest.h"

namespace eventhost {

struct PluginFile {
  std::filesystem::path path;
  std::optional<Manifest> manifest;  // absent if it could not be read
  std::uint32_t abi_version = 0;     // from the manifest section header
  // Exported function symbols by role, from the dynamic symbol table.
  std::vector<std::string> handler_symbols;  // on_<...>, sorted
  // Exports that look like handlers (case-insensitive "on_" prefix) but are
  // not valid handler names (on_[a-z][a-z0-9_]*): never called. Sorted.
  std::vector<std::string> ignored_symbols;
  // Entry points (on_..., eh_on_any_event, eh_plugin_*) exported with C++
  // linkage, i.e. mangled, which the host never looks up: demangled where
  // possible, e.g. "on_channel_created(eh_event const*, eh_context*)".
  // Functions in a namespace or class count only if they take the ABI's
  // types, so a method such as Widget::on_click(int) is left alone. Sorted.
  std::vector<std::string> cxx_linkage_exports;
  bool has_catch_all = false;  // eh_on_any_event
  bool has_init = false, has_configure = false, has_shutdown = false,
       has_action = false;
  // Empty if the file is usable; otherwise what is wrong and what to do,
  // e.g. "file is writable by others: run chmod go-w <path>". A file
  // refused only for its mode keeps its manifest (read as data), so that
  // commands can name it by its key.
  std::string problem;

  bool usable() const { return problem.empty(); }
};

// Reads one file. Checks, in order: regular file, not writable by
// group/others, an ELF shared library, the eventhost_manifest section, ABI
// major version, manifest JSON. Never throws for a bad file.
PluginFile inspect_plugin_file(const std::filesystem::path& file);

struct ScanResult {
  std::vector<PluginFile> plugins;  // every *.so found, usable or not, by path
  std::string folder_problem;       // e.g. the folder is writable by others
  // The folder exists but is refused (writable by group or others): none
  // of its files is used until it is fixed. A missing folder is a problem
  // (it holds nothing) but not a refusal.
  bool folder_refused = false;
};

// Scans `folder` (not recursively) for *.so files. A missing folder is an
// empty result with folder_problem set; a folder writable by group/others
// is refused entirely (no plugins), with folder_problem saying how to fix.
ScanResult scan_plugins_folder(const std::filesystem::path& folder);

}  // namespace eventhost
