#include "util/json_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/error.hpp"

namespace achrome {

nlohmann::json read_json_object(const std::filesystem::path& path, const char* hint) {
  std::ifstream in(path);
  if (!in) {
    if (hint) fail("{}: cannot open ({})", path.string(), hint);
    fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  }
  nlohmann::json json;
  try {
    in >> json;
  } catch (const nlohmann::json::exception& error) {
    fail("{}: not valid JSON: {}", path.string(), error.what());
  }
  if (!json.is_object()) fail("{}: expected a JSON object", path.string());
  return json;
}

}  // namespace achrome
