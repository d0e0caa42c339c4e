// TempDir -- a fresh, uniquely named folder under the system temp folder,
// removed with everything in it when the object goes away.
//
// Thread-safety: a TempDir is owned by one test.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace eventhost::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    std::mt19937_64 random(seed());
    path_ = std::filesystem::temp_directory_path() /
            ("eh-state-test-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;  // a failed clean-up must not fail the test
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace eventhost::testing
