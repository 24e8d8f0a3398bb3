#include "expression/roadmap_matrix.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace {

// Header fields after the gene id column; Error if the header is not a Roadmap matrix header.
std::vector<std::string> read_header(LineReader& reader) {
  std::string_view line;
  if (!reader.next(line)) fail("{}: empty file (expected header 'gene_id E000 E003 ...')", reader.path());
  auto fields = split(line, '\t');
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  if (fields.size() < 2)
    fail("{}: header has no sample columns (expected tab-separated 'gene_id E000 E003 ...')", reader.where());
  std::vector<std::string> samples;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].empty()) fail("{}: header column {} is empty", reader.where(), i + 1);
    samples.emplace_back(fields[i]);
  }
  return samples;
}

}  // namespace

std::vector<std::string> roadmap_matrix_samples(const std::filesystem::path& path) {
  LineReader reader(path.string());
  return read_header(reader);
}

ExpressionTable read_roadmap_matrix(const std::filesystem::path& path, const std::string& epigenome) {
  LineReader reader(path.string());
  const auto samples = read_header(reader);
  std::size_t column = 0;
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (samples[i] == epigenome) {
      if (column != 0) fail("{}:1: epigenome '{}' appears twice in the header", reader.path(), epigenome);
      column = i + 1;
    }
  if (column == 0)
    fail("{}: no epigenome '{}' in the header; available: {}", reader.path(), epigenome, fmt::join(samples, " "));

  ExpressionTable table(reader.path(), epigenome);
  const std::size_t expected = samples.size() + 1;
  std::string_view line;
  std::vector<std::string_view> fields;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    // The published matrix ends each data row with a tab.
    if (fields.size() == expected + 1 && fields.back().empty()) fields.pop_back();
    if (fields.size() != expected)
      fail("{}: expected {} tab-separated fields (gene id + {} samples), found {}", reader.where(), expected,
           samples.size(), fields.size());
    if (fields[0].empty()) fail("{}: empty gene id", reader.where());
    const double value = parse_double(fields[column], reader.where(), fmt::format("column {}", epigenome));
    if (!std::isfinite(value))
      fail("{}: column {}: '{}' is not a finite number", reader.where(), epigenome, fields[column]);
    table.add(std::string(fields[0]), value, reader.where());
  }
  if (table.size() == 0) fail("{}: no gene rows after the header", reader.path());
  return table;
}

}  // namespace achrome
