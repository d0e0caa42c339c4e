#include "cli/config_file.h"

#include <boost/program_options.hpp>

#include "common/error.h"

namespace eventhost::cli {

namespace po = boost::program_options;

std::map<std::string, std::string> read_config(
    std::istream& in, const std::string& source,
    const std::vector<std::string>& keys) {
  po::options_description known;
  for (const std::string& key : keys) {
    known.add_options()(key.c_str(), po::value<std::string>());
  }
  po::variables_map vm;
  try {
    po::store(po::parse_config_file(in, known), vm);
  } catch (const std::exception& e) {
    // Boost's own errors (po::error) and what the stream throws alike.
    throw Error(ErrorKind::kUsage, "config file " + source + ": " + e.what() +
                                       " (keys are the long option names of "
                                       "`eventhost run --help`)");
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : vm) out[key] = value.as<std::string>();
  return out;
}

}  // namespace eventhost::cli
