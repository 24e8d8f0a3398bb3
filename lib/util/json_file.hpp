#pragma once
// The JSON files between stages (metrics.json, model.json, geometry sidecars) are each one object;
// one reader so that every such file fails the same way, naming the file.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace achrome {

// The object in a JSON file. Throws Error naming the file when it cannot be opened (with `hint`
// appended, e.g. "is this a run folder of achrome-train?"), is not valid JSON, or is not an object.
nlohmann::json read_json_object(const std::filesystem::path& path, const char* hint = nullptr);

}  // namespace achrome
