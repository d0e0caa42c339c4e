#include "cli/plugin_text.h"

namespace eventhost::cli {

std::string short_status(const std::string& status) {
  return status.substr(0, status.find(':'));
}

}  // namespace eventhost::cli
