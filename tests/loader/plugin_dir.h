// PluginDir -- a fresh, private plugins folder for one test.
//
// Tests never point the loader at the build directory: they copy the test
// plugins they need into a folder of their own (mode 0755, files 0644), so
// permissions are exactly what a careful user would have and no test sees
// another's files. The folder is removed when the PluginDir goes away.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace eventhost::test {

namespace fs = std::filesystem;

inline fs::path built_test_plugin(const std::string& file_name) {
  return fs::path(EH_TEST_PLUGINS_DIR) / file_name;
}

inline std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class PluginDir {
 public:
  PluginDir() {
    std::random_device random;
    const fs::path base = fs::temp_directory_path();
    for (;;) {
      path_ = base / ("eh-loader-test-" + std::to_string(random()));
      if (fs::create_directory(path_)) break;
    }
    fs::permissions(path_, fs::perms(0755));
  }
  ~PluginDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms(0755), ignored);
    fs::remove_all(path_, ignored);
  }
  PluginDir(const PluginDir&) = delete;
  PluginDir& operator=(const PluginDir&) = delete;

  const fs::path& path() const { return path_; }

  // Copies a built test plugin (e.g. "recorder.so") in, mode 0644.
  fs::path add(const std::string& file_name) {
    const fs::path target = path_ / file_name;
    fs::copy_file(built_test_plugin(file_name), target,
                  fs::copy_options::overwrite_existing);
    fs::permissions(target, fs::perms(0644));
    return target;
  }

  // Writes `bytes` as a file in the folder, mode 0644. An old file is
  // removed first rather than truncated: ext4 flushes a truncated file to
  // disk on close, which made the damage loops crawl.
  fs::path add_bytes(const std::string& file_name, const std::string& bytes) {
    const fs::path target = path_ / file_name;
    fs::remove(target);
    write_bytes(target, bytes);
    fs::permissions(target, fs::perms(0644));
    return target;
  }

 private:
  fs::path path_;
};

}  // namespace eventhost::test
