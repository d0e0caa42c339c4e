// LoadedPlugin::load -- the one place plugin code enters the process.
// boost::dll is kept to this file so no other part of the host depends on
// it; the handle lives in the Library pimpl declared in loaded_plugin.h.
#include "loader/loaded_plugin.h"

#include <boost/dll/shared_library.hpp>

#if !defined(_WIN32)
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <fstream>
#include <iterator>

#include "common/error.h"
#include "loader/sha256.h"

namespace eventhost {

struct LoadedPlugin::Library {
  boost::dll::shared_library handle;
  // The in-memory copy the library was loaded from, if any. It stays open
  // while the library is loaded so its /proc/self/fd path, which the
  // dynamic linker remembers as the library's name, is never reused.
  int copy_fd = -1;

  ~Library() {
    handle.unload();
#if !defined(_WIN32)
    if (copy_fd >= 0) ::close(copy_fd);
#endif
  }
};

namespace {

// What the dynamic linker said about the last failure, if anything.
std::string last_loader_error(const boost::system::error_code& ec) {
#if !defined(_WIN32)
  if (const char* text = dlerror()) return text;
#endif
  return ec.message();
}

[[noreturn]] void refuse(const PluginFile& file, const std::string& why) {
  throw Error(ErrorKind::kRefused,
              "cannot load " + file.path.string() + ": " + why);
}

// Resolves `name` as a function of type Fn, or refuses the load: discovery
// saw the symbol, so its absence now means the file changed underneath us.
template <typename Fn>
Fn* resolve(const boost::dll::shared_library& lib, const PluginFile& file,
            const std::string& name) {
  if (!lib.has(name)) {
    refuse(file, "symbol " + name +
                     " listed at discovery is missing: the file changed; "
                     "inspect it again");
  }
  return &lib.get<Fn>(name);
}

template <typename Fn>
Fn* resolve_if(bool present, const boost::dll::shared_library& lib,
               const PluginFile& file, const char* name) {
  return present ? resolve<Fn>(lib, file, name) : nullptr;
}

void check_abi(const boost::dll::shared_library& lib, const PluginFile& file) {
  if (!lib.has("eh_abi_version")) {
    refuse(file,
           "it does not export eh_abi_version: rebuild the plugin against "
           "this eventhost SDK");
  }
  const std::uint32_t version = lib.get<const std::uint32_t>("eh_abi_version");
  if (EH_ABI_MAJOR_OF(version) != EH_ABI_VERSION_MAJOR) {
    refuse(file, "built for plugin ABI " +
                     std::to_string(EH_ABI_MAJOR_OF(version)) + "." +
                     std::to_string(version & 0xffffu) + ", this host speaks " +
                     std::to_string(EH_ABI_VERSION_MAJOR) +
                     ".x: rebuild the plugin against this eventhost SDK");
  }
}

std::string read_whole_file(const PluginFile& file) {
  std::ifstream in(file.path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) refuse(file, "cannot read the file");
  return bytes;
}

// Reads the file once, checks it against the pin, and returns the path of
// a sealed in-memory copy to load; *fd receives the copy's descriptor.
std::string verified_copy(const PluginFile& file, const std::string& sha256,
                          int* fd) {
  const std::string bytes = read_whole_file(file);
  if (sha256_hex(bytes) != sha256) {
    refuse(file,
           "its SHA-256 no longer matches the one pinned when it was "
           "enabled: enable it again if you trust the new file");
  }
#if defined(__linux__)
  *fd = ::memfd_create(file.path.filename().c_str(),
                       MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (*fd < 0) refuse(file, "memfd_create failed");
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n =
        ::write(*fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) refuse(file, "cannot copy it into memory");
    written += static_cast<std::size_t>(n);
  }
  ::fcntl(*fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW);
  return "/proc/self/fd/" + std::to_string(*fd);
#else
  (void)fd;
  return file.path.string();  // checked, but loaded from the file itself
#endif
}

}  // namespace

std::unique_ptr<LoadedPlugin> LoadedPlugin::load(
    const PluginFile& file, const std::string& expected_sha256) {
  if (!file.usable()) refuse(file, file.problem);

  auto library = std::make_unique<Library>();
  const std::string load_path =
      expected_sha256.empty()
          ? file.path.string()
          : verified_copy(file, expected_sha256, &library->copy_fd);
  boost::system::error_code ec;
  // rtld_now: a missing dependency fails here, not mid-event. rtld_local:
  // one plugin's symbols never satisfy or shadow another's.
  library->handle.load(
      boost::dll::fs::path(load_path),
      boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) refuse(file, last_loader_error(ec));
  check_abi(library->handle, file);

  std::unique_ptr<LoadedPlugin> plugin(new LoadedPlugin());
  using Handler = std::int32_t(const eh_event*, eh_context*);
  const auto& lib = library->handle;
  for (const std::string& symbol : file.handler_symbols) {
    plugin->handlers_[symbol] = resolve<Handler>(lib, file, symbol);
  }
  plugin->catch_all_ =
      resolve_if<Handler>(file.has_catch_all, lib, file, "eh_on_any_event");
  plugin->init_ = resolve_if<std::int32_t(const eh_host_api*, eh_context*)>(
      file.has_init, lib, file, "eh_plugin_init");
  plugin->configure_ = resolve_if<std::int32_t(eh_context*, const char*)>(
      file.has_configure, lib, file, "eh_plugin_configure");
  plugin->shutdown_ = resolve_if<void(eh_context*)>(file.has_shutdown, lib,
                                                    file, "eh_plugin_shutdown");
  plugin->action_ =
      resolve_if<std::int32_t(eh_context*, const char*, const char*)>(
          file.has_action, lib, file, "eh_plugin_action");
  plugin->library_ = std::move(library);
  return plugin;
}

LoadedPlugin::~LoadedPlugin() = default;

eh_handler_fn LoadedPlugin::handler(const std::string& symbol) const {
  auto it = handlers_.find(symbol);
  return it == handlers_.end() ? nullptr : it->second;
}

}  // namespace eventhost
