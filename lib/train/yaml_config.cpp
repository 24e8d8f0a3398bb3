#include "train/yaml_config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

namespace achrome {

namespace {

bool is_meta_option(const CLI::App& app, const CLI::Option* option) {
  return option == app.get_help_ptr() || option == app.get_config_ptr() || option == app.get_version_ptr() ||
         option->get_lnames().empty() || option->get_lnames().front() == "help-all";
}

// YAML keeps a value's text as written (`lr: 2e-4` stays "2e-4"): the option converts it as it would
// the command line's.
std::string scalar_text(const YAML::Node& node) { return node.Scalar(); }

}  // namespace

std::string YamlConfig::file_name() const {
  const auto* option = app_ ? app_->get_config_ptr() : nullptr;
  if (!option || option->results().empty()) return "the config file";
  return option->results().back();
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  const std::string file = file_name();
  std::stringstream text;
  text << input.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& error) {
    throw CLI::ConfigError(fmt::format("--config {}: line {}: not valid YAML: {}", file, error.mark.line + 1, error.msg));
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;  // an empty file sets nothing
  if (!root.IsMap())
    throw CLI::ConfigError(fmt::format("--config {}: expected a map of option: value (e.g. lr: 0.001)", file));
  std::set<std::string> seen;
  for (const auto& entry : root) {
    const int line = entry.first.Mark().line + 1;
    if (!entry.first.IsScalar())
      throw CLI::ConfigError(fmt::format("--config {}: line {}: a key must be an option name", file, line));
    const std::string key = entry.first.Scalar();
    const CLI::Option* option = app_ ? app_->get_option_no_throw("--" + key) : nullptr;
    if (!option || is_meta_option(*app_, option) || option->get_lnames().front() != key)
      throw CLI::ConfigError(fmt::format("--config {}: line {}: unknown option '{}' (keys are the long options "
                                         "without dashes, as --help lists them)",
                                         file, line, key));
    if (!seen.insert(key).second)
      throw CLI::ConfigError(fmt::format("--config {}: line {}: '{}' is given twice", file, line, key));
    CLI::ConfigItem item;
    item.name = key;
    const auto& value = entry.second;
    if (value.IsScalar()) {
      item.inputs.push_back(scalar_text(value));
    } else if (value.IsSequence()) {
      for (const auto& element : value) {
        if (!element.IsScalar())
          throw CLI::ConfigError(fmt::format("--config {}: line {}: '{}' must be a value or a list of values", file,
                                             element.Mark().line + 1, key));
        item.inputs.push_back(scalar_text(element));
      }
    } else {
      throw CLI::ConfigError(fmt::format("--config {}: line {}: '{}' must be a value or a list of values", file,
                                         line, key));
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool /*write_description*/,
                                  std::string /*prefix*/) const {
  if (!default_also) {
    std::set<std::string> unset;
    for (const auto* option : app->get_options())
      if (option->count() == 0 && !option->get_lnames().empty()) unset.insert(option->get_lnames().front());
    return options_yaml(*app, {}, unset);
  }
  return options_yaml(*app);
}

CLI::Option* add_yaml_config(CLI::App& app) {
  auto* option = app.set_config("--config", "",
                                "YAML file of options: the long option names without dashes as keys (lr: 0.001, "
                                "mark: [...]); the command line wins over it");
  option->type_name("FILE.yaml");
  app.config_formatter(std::make_shared<YamlConfig>(&app));
  return option;
}

std::string options_yaml(const CLI::App& app, const std::map<std::string, std::vector<std::string>>& overrides,
                         const std::set<std::string>& skip) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto* option : app.get_options()) {
    if (is_meta_option(app, option) || !option->get_configurable()) continue;
    const std::string name = option->get_lnames().front();
    if (skip.count(name)) continue;
    std::vector<std::string> values;
    if (const auto found = overrides.find(name); found != overrides.end()) values = found->second;
    else if (option->count() > 0) values = option->results();
    else if (option->get_expected_max() > 0 && !option->get_default_str().empty())
      values = {option->get_default_str()};
    if (values.empty()) continue;
    out << YAML::Key << name << YAML::Value;
    // An option that takes several values is a list even with one, so the file reads back the same way.
    if (option->get_items_expected_max() > 1) {
      out << YAML::BeginSeq;
      for (const auto& value : values) out << value;
      out << YAML::EndSeq;
    } else {
      out << values.back();
    }
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace achrome
