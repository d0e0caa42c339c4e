#include "cli/config_file.h"

#include <boost/program_options.hpp>

#include "common/error.h"

namespace eventhost::cli {

namespace po = boost::program_options;

namespace {

// What is wrong with an option, in words that need no placeholder.
std::string problem_of(const po::error_with_option_name& e) {
  if (dynamic_cast<const po::unknown_option*>(&e)) return "unknown key";
  if (dynamic_cast<const po::multiple_occurrences*>(&e)) {
    return "a key given more than once:";
  }
  if (dynamic_cast<const po::invalid_option_value*>(&e)) {
    return "a value that does not fit the key";
  }
  return "an invalid line at the key";
}

}  // namespace

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
  } catch (const po::error_with_option_name& e) {
    // Not e.what(): it substitutes %placeholders% into its message until
    // none is left, and never ends when the key itself holds one (a key
    // "%canonical_option%" hung `eventhost run --config`; fuzz_config_file
    // found it). The key alone is safe to show.
    throw Error(ErrorKind::kUsage, "config file " + source + ": " +
                                       problem_of(e) + " '" +
                                       e.get_option_name() +
                                       "' (keys are the long option names "
                                       "of `eventhost run --help`)");
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
