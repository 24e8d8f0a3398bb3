#pragma once
// --config FILE.yaml: options of a command read from a YAML map whose keys are the long option
// names without dashes (`lr: 0.001`, `batch-size: 32`, `mark: [H3K4me3=bins/H3K4me3.npy, ...]`).
// CLI11 reads it through its config interface, so a value given on the command line wins over the
// file's, and every value passes the option's own checks. An unknown key, a nested map or a file
// that is not YAML is a one-line error naming the file (exit status 2, as any refused command line).
#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace achrome {

class YamlConfig : public CLI::Config {
 public:
  // app: the command whose options the file sets (unknown keys are refused against it).
  explicit YamlConfig(const CLI::App* app) : app_(app) {}
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  std::string file_name() const;
  const CLI::App* app_;
};

// Adds --config FILE.yaml to app, read with YamlConfig.
CLI::Option* add_yaml_config(CLI::App& app);

// The options of app as a YAML map that --config reads back: every option given (on the command line
// or in a config file) with its values as given, every other with a default, except those in `skip`
// and the help, version and config options; `overrides` replaces the values of the options it names
// (long names without dashes).
std::string options_yaml(const CLI::App& app, const std::map<std::string, std::vector<std::string>>& overrides = {},
                         const std::set<std::string>& skip = {});

}  // namespace achrome
