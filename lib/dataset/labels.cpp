#include "dataset/labels.hpp"

#include <fmt/format.h>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

const char* split_name(Split split) {
  switch (split) {
    case Split::Train: return "train";
    case Split::Valid: return "valid";
    case Split::Test: return "test";
  }
  return "?";
}

Split parse_split(std::string_view text, const std::string& where) {
  if (text == "train") return Split::Train;
  if (text == "valid") return Split::Valid;
  if (text == "test") return Split::Test;
  fail("{}: split must be train, valid or test, found '{}'", where, text);
}

std::vector<LabelRow> read_labels_tsv(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  if (!reader.next(line)) fail("{}: empty file (expected header 'gene_id value label split')", path.string());
  split(line, '\t', fields);
  if (fields.size() < 4 || fields[0] != "gene_id" || fields[1] != "value" || fields[2] != "label" || fields[3] != "split")
    fail("{}:1: header must be 'gene_id value label split' (tab-separated)", path.string());
  std::vector<LabelRow> rows;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    if (fields.size() < 4) fail("{}: expected 4 tab-separated columns, found {}", reader.where(), fields.size());
    LabelRow row;
    row.gene_id = std::string(fields[0]);
    row.value = parse_double(fields[1], reader.where(), "value");
    if (fields[2] != "0" && fields[2] != "1") fail("{}: label must be 0 or 1, found '{}'", reader.where(), fields[2]);
    row.label = fields[2] == "1" ? 1 : 0;
    row.split = parse_split(fields[3], reader.where());
    rows.push_back(std::move(row));
  }
  if (rows.empty()) fail("{}: no labelled genes", path.string());
  return rows;
}

void write_labels_tsv(const std::filesystem::path& path, const std::vector<LabelRow>& rows) {
  AtomicFile out(path);
  auto& stream = out.stream();
  stream << "gene_id\tvalue\tlabel\tsplit\n";
  for (const auto& row : rows)
    stream << row.gene_id << '\t' << fmt::format("{}", row.value) << '\t' << row.label << '\t'
           << split_name(row.split) << '\n';
  out.commit();
}

}  // namespace achrome
