#include "expression/roadmap_matrix.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace {

// Splits one line and removes CSV quotes in place (quoted fields keep their text, "" -> ").
void split_fields(std::string_view line, char separator, std::vector<std::string_view>& fields,
                  std::vector<std::string>& unquoted, const LineReader& reader) {
  split(line, separator, fields);
  if (separator != ',') return;
  unquoted.clear();
  unquoted.reserve(fields.size());  // no reallocation: fields point into it
  for (auto& field : fields) {
    if (field.empty() || field.front() != '"') continue;
    if (field.size() < 2 || field.back() != '"')
      fail("{}: quoted field {} contains a comma or lacks its closing quote (not supported in matrices)",
           reader.where(), field);
    std::string text;
    for (std::size_t i = 1; i + 1 < field.size(); ++i) {
      text += field[i];
      if (field[i] == '"' && i + 2 < field.size() && field[i + 1] == '"') ++i;
    }
    unquoted.push_back(std::move(text));
    field = unquoted.back();
  }
}

// The matrix layout as found in the header and the first data row.
struct MatrixLayout {
  char separator = '\t';
  std::vector<std::string> samples;  // sample column names, in file order
  std::size_t fields = 0;            // fields of a data row: id + samples
};

// Reads the header and the first data row (returned in first_row, already split) of a matrix.
MatrixLayout read_layout(LineReader& reader, std::vector<std::string_view>& first_row,
                         std::vector<std::string>& first_unquoted, bool& has_first_row) {
  std::string_view line;
  if (!reader.next(line)) fail("{}: empty file (expected header 'gene_id E000 E003 ...')", reader.path());
  MatrixLayout layout;
  layout.separator = line.find('\t') != std::string_view::npos ? '\t' : ',';
  std::vector<std::string_view> fields;
  std::vector<std::string> unquoted;
  split_fields(line, layout.separator, fields, unquoted, reader);
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  if (fields.size() < 2)
    fail("{}: header has no sample columns (expected tab- or comma-separated 'gene_id E000 E003 ...')",
         reader.where());
  std::vector<std::string> header(fields.begin(), fields.end());

  has_first_row = false;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split_fields(line, layout.separator, first_row, first_unquoted, reader);
    has_first_row = true;
    break;
  }
  // R's write.table: the header names the samples only, rows carry the id in front.
  const bool samples_only_header =
      has_first_row && first_row.size() == header.size() + 1 && !first_row.back().empty();
  const std::size_t first_sample = samples_only_header ? 0 : 1;
  for (std::size_t i = first_sample; i < header.size(); ++i) {
    if (header[i].empty()) fail("{}:1: header column {} is empty", reader.path(), i + 1);
    layout.samples.push_back(header[i]);
  }
  layout.fields = layout.samples.size() + 1;
  return layout;
}

}  // namespace

std::vector<std::string> roadmap_matrix_samples(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::vector<std::string_view> row;
  std::vector<std::string> unquoted;
  bool has_row = false;
  return read_layout(reader, row, unquoted, has_row).samples;
}

ExpressionTable read_roadmap_matrix(const std::filesystem::path& path, const std::string& epigenome) {
  LineReader reader(path.string());
  std::vector<std::string_view> fields;
  std::vector<std::string> unquoted;
  bool has_row = false;
  const auto layout = read_layout(reader, fields, unquoted, has_row);
  if (!has_row) fail("{}: no gene rows after the header", reader.path());
  const auto& samples = layout.samples;
  std::size_t column = 0;
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (samples[i] == epigenome) {
      if (column != 0) fail("{}:1: epigenome '{}' appears twice in the header", reader.path(), epigenome);
      column = i + 1;
    }
  if (column == 0)
    fail("{}:1: no epigenome '{}' in the header; available: {}", reader.path(), epigenome, fmt::join(samples, " "));

  ExpressionTable table(reader.path(), epigenome);
  table.format = "matrix";
  table.value = "column " + epigenome;
  const std::size_t expected = layout.fields;
  std::string_view line;
  const char* separator_name = layout.separator == '\t' ? "tab" : "comma";
  do {
    // The published matrix ends each data row with a tab.
    if (fields.size() == expected + 1 && fields.back().empty()) fields.pop_back();
    if (fields.size() != expected)
      fail("{}: expected {} {}-separated fields (gene id + {} samples), found {}", reader.where(), expected,
           separator_name, samples.size(), fields.size());
    if (fields[0].empty()) fail("{}: empty gene id", reader.where());
    const double value = parse_double(fields[column], reader.where(), fmt::format("column {}", epigenome));
    if (!std::isfinite(value))
      fail("{}: column {}: '{}' is not a finite number", reader.where(), epigenome, fields[column]);
    table.add(std::string(fields[0]), value, reader.where());
    do {
      if (!reader.next(line)) return table;
    } while (line.empty());
    split_fields(line, layout.separator, fields, unquoted, reader);
  } while (true);
}

}  // namespace achrome
