#include "signal/bin_geometry.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "achrome/version.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/json_file.hpp"

namespace fs = std::filesystem;

namespace achrome {

namespace {

using Json = nlohmann::ordered_json;

const char* orientation_name(Orientation orientation) {
  return orientation == Orientation::Transcript ? "transcript" : "genomic";
}

Json source_json(const SourceFile& source) {
  Json json;
  json["file"] = source.path;
  if (!source.format.empty()) json["format"] = source.format;
  if (source.rows > 0) json["genes"] = source.rows;
  if (!source.md5.empty()) json["md5"] = source.md5;
  if (source.size > 0) json["size"] = source.size;
  if (!source.modified.empty()) json["modified"] = source.modified;
  if (!source.matrix.empty()) json["matrix"] = source.matrix;
  return json;
}

SourceFile source_of(const Json& json, const std::string& where) {
  if (!json.is_object() || !json.contains("file") || !json["file"].is_string())
    fail("{}: expected an object with a \"file\" string", where);
  SourceFile source;
  try {
    source.path = json["file"].get<std::string>();
    if (json.contains("format")) source.format = json["format"].get<std::string>();
    if (json.contains("genes")) source.rows = json["genes"].get<std::size_t>();
    if (json.contains("md5")) source.md5 = json["md5"].get<std::string>();
    if (json.contains("size")) source.size = json["size"].get<std::uintmax_t>();
    if (json.contains("modified")) source.modified = json["modified"].get<std::string>();
    if (json.contains("matrix")) source.matrix = json["matrix"].get<std::string>();
  } catch (const Json::exception&) {
    fail("{}: \"format\", \"md5\", \"modified\" and \"matrix\" must be strings, \"genes\" and \"size\" counts", where);
  }
  return source;
}

std::int64_t whole(const Json& json, const char* key, const std::string& where) {
  if (!json.contains(key) || !json[key].is_number_integer()) fail("{}: \"{}\" must be an integer", where, key);
  return json[key].get<std::int64_t>();
}

}  // namespace

BinGeometry BinGeometry::of(const WindowSpec& spec) {
  BinGeometry geometry;
  geometry.upstream = spec.upstream;
  geometry.downstream = spec.downstream;
  geometry.bin_size = spec.bin_size;
  geometry.bins = spec.bins();
  geometry.anchor_offset = spec.anchor_offset;
  geometry.orientation = spec.orientation;
  return geometry;
}

WindowSpec BinGeometry::window() const {
  WindowSpec spec;
  spec.upstream = upstream;
  spec.downstream = downstream;
  spec.bin_size = bin_size;
  spec.anchor_offset = anchor_offset;
  spec.orientation = orientation;
  return spec;
}

std::string BinGeometry::difference(const BinGeometry& other) const {
  const std::pair<const char*, std::pair<std::int64_t, std::int64_t>> numbers[] = {
      {"upstream", {upstream, other.upstream}},
      {"downstream", {downstream, other.downstream}},
      {"bin_size", {bin_size, other.bin_size}},
      {"bins", {bins, other.bins}},
      {"anchor offset", {anchor_offset, other.anchor_offset}}};
  for (const auto& [name, values] : numbers)
    if (values.first != values.second) return fmt::format("{} {} vs {}", name, values.first, values.second);
  if (orientation != other.orientation)
    return fmt::format("orientation {} vs {}", orientation_name(orientation), orientation_name(other.orientation));
  return "";
}

fs::path geometry_sidecar(const fs::path& npy) { return fs::path(npy.string() + ".json"); }

SourceFile describe_file(const fs::path& path, std::string format) {
  SourceFile source;
  source.path = path.string();
  source.format = std::move(format);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) fail("{}: cannot stat: {}", path.string(), std::strerror(errno));
  source.size = static_cast<std::uintmax_t>(info.st_size);
  std::tm utc{};
  ::gmtime_r(&info.st_mtim.tv_sec, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  source.modified = text;
  return source;
}

SourceFile describe_hashed_file(const fs::path& path, std::string format, std::size_t rows) {
  auto source = describe_file(path, std::move(format));
  source.md5 = md5_file(path);
  source.rows = rows;
  return source;
}

nlohmann::ordered_json geometry_json(const BinGeometry& geometry) {
  Json json;
  json["upstream"] = geometry.upstream;
  json["downstream"] = geometry.downstream;
  json["bin_size"] = geometry.bin_size;
  json["bins"] = geometry.bins;
  json["anchor"] = {{"at", "tss"}, {"offset", geometry.anchor_offset}};
  json["orientation"] = orientation_name(geometry.orientation);
  if (geometry.genes) json["genes"] = source_json(*geometry.genes);
  if (geometry.signals.size() == 1 && geometry.signals.front().first.empty()) {
    json["signal"] = source_json(geometry.signals.front().second);
  } else if (!geometry.signals.empty()) {
    Json marks = Json::object();
    for (const auto& [mark, source] : geometry.signals) marks[mark] = source_json(source);
    json["signals"] = marks;
  }
  json["software"] = {{"achrome", kVersion}};
  return json;
}

void write_geometry(const fs::path& path, const BinGeometry& geometry) {
  write_file_atomic(path, geometry_json(geometry).dump(2) + "\n");
}

BinGeometry read_geometry(const fs::path& path) {
  const Json json = read_json_object(path);
  const std::string where = path.string();
  BinGeometry geometry;
  geometry.upstream = whole(json, "upstream", where);
  geometry.downstream = whole(json, "downstream", where);
  geometry.bin_size = whole(json, "bin_size", where);
  geometry.bins = whole(json, "bins", where);
  if (!json.contains("anchor") || !json["anchor"].is_object() || json["anchor"].value("at", "") != "tss")
    fail("{}: \"anchor\" must be {{\"at\": \"tss\", \"offset\": N}}", where);
  geometry.anchor_offset = whole(json["anchor"], "offset", where + ": anchor");
  if (!json.contains("orientation") || !json["orientation"].is_string())
    fail("{}: \"orientation\" must be \"genomic\" or \"transcript\"", where);
  try {
    geometry.orientation = parse_orientation(json["orientation"].get<std::string>());
  } catch (const Error& error) {
    fail("{}: {}", where, error.what());
  }
  if (geometry.upstream < 0 || geometry.downstream < 0 || geometry.bin_size <= 0 ||
      geometry.bins * geometry.bin_size != geometry.upstream + geometry.downstream || geometry.bins <= 0)
    fail("{}: upstream {} + downstream {} must be bins {} x bin_size {}", where, geometry.upstream,
         geometry.downstream, geometry.bins, geometry.bin_size);
  if (json.contains("genes")) geometry.genes = source_of(json["genes"], where + ": genes");
  if (json.contains("signal")) geometry.signals.emplace_back("", source_of(json["signal"], where + ": signal"));
  if (json.contains("signals")) {
    if (!json["signals"].is_object()) fail("{}: \"signals\" must be an object of mark: source", where);
    for (const auto& [mark, source] : json["signals"].items())
      geometry.signals.emplace_back(mark, source_of(source, where + ": signals." + mark));
  }
  return geometry;
}

std::optional<BinGeometry> marks_geometry(const std::vector<std::pair<std::string, fs::path>>& marks,
                                          const fs::path& genes_tsv) {
  std::vector<std::string> missing;
  for (const auto& [mark, npy] : marks)
    if (!fs::exists(geometry_sidecar(npy))) missing.push_back(geometry_sidecar(npy).string());
  if (!missing.empty()) {
    // Matrices made elsewhere (or before achrome-bin wrote sidecars) have none, which is normal and
    // said once at info level; some marks with a sidecar and some without is a mix worth a warning.
    const auto level = missing.size() == marks.size() ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(level,
                "{}{}: no geometry sidecar (matrices not written by achrome-bin or achrome-import); the run folder "
                "gets no geometry.json, and reports fall back to their --upstream/--downstream",
                missing.front(), missing.size() > 1 ? fmt::format(" and {} more", missing.size() - 1) : "");
    return std::nullopt;
  }
  std::optional<BinGeometry> common;
  fs::path first;
  std::string genes_md5;
  for (const auto& [mark, npy] : marks) {
    const auto sidecar = geometry_sidecar(npy);
    auto geometry = read_geometry(sidecar);
    if (geometry.genes && !geometry.genes->md5.empty()) {
      if (genes_md5.empty()) genes_md5 = md5_file(genes_tsv);
      if (geometry.genes->md5 != genes_md5)
        fail("{}: the matrix was binned over a genes.tsv with MD5 {} ({}), but {} has MD5 {}", sidecar.string(),
             geometry.genes->md5, geometry.genes->path, genes_tsv.string(), genes_md5);
    }
    if (!common) {
      common = geometry;
      common->signals.clear();
      first = sidecar;
    } else if (const auto difference = common->difference(geometry); !difference.empty()) {
      fail("{}: its bins differ from those of {} ({})", sidecar.string(), first.string(), difference);
    }
    SourceFile source;
    source.path = npy.string();
    if (!geometry.signals.empty()) source = geometry.signals.front().second;
    source.matrix = npy.string();
    common->signals.emplace_back(mark, source);
  }
  return common;
}

}  // namespace achrome
