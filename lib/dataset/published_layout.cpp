#include "dataset/published_layout.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace achrome {

namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// A non-negative integer written the one way that prints back identically: digits, no sign, no
// leading zeros ("0" itself excepted). Anything else could not be reproduced byte for byte.
std::optional<std::uint64_t> canonical_unsigned(std::string_view field) {
  if (!all_digits(field) || (field.size() > 1 && field[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size()) return std::nullopt;
  return value;
}

// Walks a text file line by line, checking that every line ends the same way, so that the style can be
// recorded and reproduced. Lines are returned without their ending.
class CsvLines {
 public:
  CsvLines(std::string_view text, const std::string& name) : text_(text), name_(name) {
    if (text_.empty()) fail("{}: empty file", name_);
  }

  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    ++line_number_;
    const auto newline = text_.find('\n', pos_);
    std::size_t end = newline == std::string_view::npos ? text_.size() : newline;
    line = text_.substr(pos_, end - pos_);
    if (newline == std::string_view::npos) {
      style_.final_newline = false;
      pos_ = text_.size();
    } else {
      const bool crlf = !line.empty() && line.back() == '\r';
      if (crlf) line.remove_suffix(1);
      if (!seen_ending_) {
        style_.crlf = crlf;
        seen_ending_ = true;
      } else if (crlf != style_.crlf) {
        fail("{}: line ends with {} but earlier lines end with {}", where(), crlf ? "CRLF" : "LF",
             style_.crlf ? "CRLF" : "LF");
      }
      pos_ = newline + 1;
    }
    if (line.empty()) fail("{}: empty line", where());
    return true;
  }

  std::string where() const { return fmt::format("{}:{}", name_, line_number_); }
  std::size_t line_number() const { return line_number_; }
  const TextStyle& style() const { return style_; }

 private:
  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
  bool seen_ending_ = false;
  TextStyle style_;
};

// Keeps track of which bin comes next for the gene being read, the same rules for both layouts.
struct GeneGrouping {
  std::size_t bins;
  std::size_t next_bin = 0;  // 0-based index of the bin expected next; 0 = a new gene starts
  std::unordered_map<std::string, std::size_t> first_line_of;  // gene id -> its first line

  bool starts_gene() const { return next_bin == 0; }
};

void check_bin(GeneGrouping& grouping, std::uint64_t bin, std::uint64_t first_bin, const std::string& gene,
               const std::string& where) {
  const std::uint64_t expected = first_bin + grouping.next_bin;
  if (bin != expected) {
    if (grouping.next_bin == 0)
      fail("{}: gene {} starts at bin {}, expected bin {}", where, gene, bin, expected);
    fail("{}: bin {} where bin {} was expected for gene {} (bins must run {}..{} in order)", where, bin, expected,
         gene, first_bin, first_bin + grouping.bins - 1);
  }
  grouping.next_bin = (grouping.next_bin + 1) % grouping.bins;
}

void start_gene(PublishedTable& table, GeneGrouping& grouping, std::string id, std::size_t line,
                const std::string& name) {
  auto [it, inserted] = grouping.first_line_of.emplace(id, line);
  if (!inserted) fail("{}:{}: gene {} appears a second time (first at line {})", name, line, id, it->second);
  table.gene_ids.push_back(std::move(id));
  table.first_line.push_back(line);
}

void check_complete(const PublishedTable& table, const GeneGrouping& grouping, const std::string& where) {
  if (!grouping.starts_gene())
    fail("{}: gene {} ends after {} of {} bins", where, table.gene_ids.back(), grouping.next_bin, grouping.bins);
}

void append_mark_values(PublishedTable& table, const std::vector<std::string_view>& fields, std::size_t first,
                        const std::vector<std::string>& marks, const std::string& where) {
  for (std::size_t m = 0; m < marks.size(); ++m)
    table.values.push_back(parse_published_count(fields[first + m], where, marks[m]));
}

std::string column_list(const std::vector<std::string>& marks) {
  std::string out;
  for (const auto& mark : marks) out += "," + mark;
  return out;
}

}  // namespace

const std::vector<std::string>& published_marks() {
  static const std::vector<std::string> marks{"H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"};
  return marks;
}

const char* deepchrome_file_name(Split split) {
  switch (split) {
    case Split::Train: return "train.csv";
    case Split::Valid: return "valid.csv";
    case Split::Test: return "test.csv";
  }
  return "?";
}

std::string gene_id_from_published(std::string_view published_id, const std::string& where) {
  if (all_digits(published_id)) return std::string(kDroppedEnsemblPrefix) + std::string(published_id);
  if (published_id.substr(0, kDroppedEnsemblPrefix.size()) == kDroppedEnsemblPrefix &&
      all_digits(published_id.substr(kDroppedEnsemblPrefix.size())))
    fail("{}: GeneID '{}' already carries the ENSG00000 prefix that the published layout drops", where,
         published_id);
  return std::string(published_id);
}

std::string published_gene_id(const std::string& gene_id) {
  const std::string id = strip_version(gene_id);
  std::string_view view(id);
  if (view.substr(0, kDroppedEnsemblPrefix.size()) == kDroppedEnsemblPrefix &&
      all_digits(view.substr(kDroppedEnsemblPrefix.size())))
    return std::string(view.substr(kDroppedEnsemblPrefix.size()));
  return id;
}

float parse_published_count(std::string_view field, const std::string& where, std::string_view what) {
  const auto count = canonical_unsigned(field);
  if (!count) fail("{}: {}: '{}' is not a read count (a non-negative integer without leading zeros)", where, what, field);
  const auto stored = static_cast<float>(*count);
  // float32 holds every integer up to 2^24 exactly; past that only some, and a rounded count would
  // not export back to the same text.
  if (static_cast<double>(stored) != static_cast<double>(*count))
    fail("{}: {}: count {} cannot be held exactly as float32 (exact up to 16777216)", where, what, field);
  return stored;
}

void append_published_value(std::string& out, float value, bool* not_integral, const std::string& where) {
  if (!std::isfinite(value)) fail("{}: value {} cannot be written as a read count", where, value);
  if (value == std::trunc(value)) {
    if (value == 0) {
      out.push_back('0');  // also for -0
    } else if (std::fabs(value) < 9.0e18f) {
      char buffer[24];
      auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
      out.append(buffer, ptr);
    } else {
      fmt::format_to(std::back_inserter(out), "{:.0f}", value);
    }
    return;
  }
  if (not_integral) *not_integral = true;
  fmt::format_to(std::back_inserter(out), "{}", value);  // shortest text that reads back to this float32
}

PublishedTable parse_deepchrome_csv(std::string_view text, const std::string& name,
                                    const std::vector<std::string>& marks, std::size_t bins) {
  if (bins == 0) fail("{}: the number of bins must be positive", name);
  PublishedTable table;
  table.marks = marks.size();
  table.bins = bins;
  const std::size_t columns = 3 + marks.size();
  GeneGrouping grouping{bins, 0, {}};
  CsvLines lines(text, name);
  std::string_view line;
  std::vector<std::string_view> fields;
  while (lines.next(line)) {
    const std::string where = lines.where();
    split(line, ',', fields);
    if (fields.size() != columns)
      fail("{}: expected {} comma-separated columns (GeneID,Bin{},Label), found {}", where, columns,
           column_list(marks), fields.size());
    const auto bin = canonical_unsigned(fields[1]);
    if (!bin) fail("{}: Bin: '{}' is not a bin number", where, fields[1]);
    const std::string_view label_field = fields.back();
    if (label_field != "0" && label_field != "1") fail("{}: Label must be 0 or 1, found '{}'", where, label_field);
    const int label = label_field == "1" ? 1 : 0;

    if (grouping.starts_gene()) {
      if (fields[0].empty()) fail("{}: empty GeneID", where);
      check_bin(grouping, *bin, 1, std::string(fields[0]), where);
      start_gene(table, grouping, std::string(fields[0]), lines.line_number(), name);
      table.labels.push_back(label);
    } else {
      const std::string& gene = table.gene_ids.back();
      if (fields[0] != gene)
        fail("{}: gene {} ends after {} of {} bins (next row is gene {})", where, gene, grouping.next_bin, bins,
             fields[0]);
      check_bin(grouping, *bin, 1, gene, where);
      if (label != table.labels.back())
        fail("{}: label of gene {} changes from {} to {} within the gene", where, gene, table.labels.back(), label);
    }
    append_mark_values(table, fields, 2, marks, where);
  }
  check_complete(table, grouping, lines.where());
  table.style = lines.style();
  return table;
}

PublishedTable parse_deepdiff_csv(std::string_view text, const std::string& name,
                                  const std::vector<std::string>& marks, std::size_t bins) {
  if (bins == 0) fail("{}: the number of bins must be positive", name);
  PublishedTable table;
  table.marks = marks.size();
  table.bins = bins;
  const std::size_t columns = 1 + marks.size();
  GeneGrouping grouping{bins, 0, {}};
  std::optional<std::uint64_t> first_bin;  // DeepDiff files number bins from the file's first row
  CsvLines lines(text, name);
  std::string_view line;
  std::vector<std::string_view> fields;
  while (lines.next(line)) {
    const std::string where = lines.where();
    split(line, ',', fields);
    if (fields.size() != columns)
      fail("{}: expected {} comma-separated columns (ENSG_SYMBOL_bin{}), found {}", where, columns,
           column_list(marks), fields.size());
    // The symbol itself may contain '_': the id ends at the first one, the bin starts after the last.
    const std::string_view key = fields[0];
    const auto first_sep = key.find('_');
    const auto last_sep = key.rfind('_');
    if (first_sep == std::string_view::npos || first_sep == last_sep || first_sep == 0)
      fail("{}: first column '{}' is not ENSG_SYMBOL_bin", where, key);
    const std::string_view id = key.substr(0, first_sep);
    const std::string_view symbol = key.substr(first_sep + 1, last_sep - first_sep - 1);
    const auto bin = canonical_unsigned(key.substr(last_sep + 1));
    if (!bin) fail("{}: '{}' does not end in a bin number", where, key);
    if (!first_bin) {
      if (*bin > 1) fail("{}: the first bin of the file is {}, expected 0 or 1", where, *bin);
      first_bin = *bin;
    }
    if (grouping.starts_gene()) {
      check_bin(grouping, *bin, *first_bin, std::string(id), where);
      start_gene(table, grouping, std::string(id), lines.line_number(), name);
      table.names.emplace_back(symbol);
    } else {
      const std::string& gene = table.gene_ids.back();
      if (id != gene)
        fail("{}: gene {} ends after {} of {} bins (next row is gene {})", where, gene, grouping.next_bin, bins, id);
      if (symbol != table.names.back())
        fail("{}: gene {} changes symbol from {} to {}", where, gene, table.names.back(), symbol);
      check_bin(grouping, *bin, *first_bin, gene, where);
    }
    append_mark_values(table, fields, 1, marks, where);
  }
  check_complete(table, grouping, lines.where());
  table.style = lines.style();
  return table;
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open", path.string());
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) fail("{}: read error", path.string());
  return std::move(content).str();
}

PublishedTable read_deepchrome_csv(const std::filesystem::path& path, const std::vector<std::string>& marks,
                                   std::size_t bins) {
  const std::string text = read_text_file(path);
  return parse_deepchrome_csv(text, path.string(), marks, bins);
}

PublishedTable read_deepdiff_csv(const std::filesystem::path& path, const std::vector<std::string>& marks,
                                 std::size_t bins) {
  const std::string text = read_text_file(path);
  return parse_deepdiff_csv(text, path.string(), marks, bins);
}

std::string format_deepchrome_csv(const PublishedTable& table, bool* not_integral) {
  if (table.labels.size() != table.genes()) fail("DeepChrome layout needs a label for every gene");
  if (table.values.size() != table.genes() * table.bins * table.marks)
    fail("DeepChrome table holds {} values, expected {} genes x {} bins x {} marks", table.values.size(),
         table.genes(), table.bins, table.marks);
  const char* ending = table.style.crlf ? "\r\n" : "\n";
  std::string out;
  out.reserve(table.genes() * table.bins * (16 + 4 * table.marks));
  char bin_text[24];
  for (std::size_t g = 0; g < table.genes(); ++g) {
    const std::string& id = table.gene_ids[g];
    if (id.empty() || id.find_first_of(",\r\n") != std::string::npos)
      fail("gene id '{}' cannot be written as a GeneID of the published layout", id);
    const char label = table.labels[g] ? '1' : '0';
    for (std::size_t b = 0; b < table.bins; ++b) {
      if (g + b > 0) out += ending;
      out += id;
      out.push_back(',');
      auto [end, ec] = std::to_chars(bin_text, bin_text + sizeof bin_text, b + 1);
      out.append(bin_text, end);
      for (std::size_t m = 0; m < table.marks; ++m) {
        out.push_back(',');
        const float value = table.value(g, b, m);
        // The location is only built for the error message, not for each of millions of values.
        if (!std::isfinite(value)) fail("gene {} bin {} mark column {}: {} cannot be written as a read count", id, b + 1, m + 1, value);
        append_published_value(out, value, not_integral, std::string());
      }
      out.push_back(',');
      out.push_back(label);
    }
  }
  if (table.genes() > 0 && table.style.final_newline) out += ending;
  return out;
}

DeepChromeImport import_deepchrome(const std::filesystem::path& folder, const std::vector<std::string>& marks,
                                   std::size_t bins) {
  DeepChromeImport result;
  StudyMatrices& study = result.study;
  study.marks = marks;
  study.bins = bins;
  std::vector<PublishedTable> tables;
  std::unordered_map<std::string, std::string> seen;  // gene_id -> "file:line" of its first row
  for (std::size_t s = 0; s < 3; ++s) {
    const Split split = kPublishedSplits[s];
    const auto path = folder / deepchrome_file_name(split);
    if (!std::filesystem::exists(path)) fail("{}: missing (the published layout has train.csv, valid.csv, test.csv)", path.string());
    tables.push_back(read_deepchrome_csv(path, marks, bins));
    const PublishedTable& table = tables.back();
    result.styles[s] = table.style;
    result.split_genes[s] = table.genes();
    for (std::size_t g = 0; g < table.genes(); ++g) {
      const std::string where = fmt::format("{}:{}", path.string(), table.first_line[g]);
      std::string id = gene_id_from_published(table.gene_ids[g], where);
      auto [it, inserted] = seen.emplace(id, where);
      if (!inserted) fail("{}: gene {} is also in {}", where, table.gene_ids[g], it->second);
      Gene gene;
      gene.id = id;
      gene.name = id;
      gene.chrom = ".";
      gene.tss = 0;
      gene.strand = Strand::Plus;
      study.genes.push_back(gene);
      LabelRow label;
      label.gene_id = id;
      label.value = table.labels[g];
      label.label = table.labels[g];
      label.split = split;
      study.labels.push_back(std::move(label));
    }
  }
  // [genes, bins, marks] per file -> one [genes, bins] matrix per mark over all files.
  const std::size_t genes = study.genes.size();
  study.matrices.assign(marks.size(), std::vector<float>(genes * bins));
  std::size_t row = 0;
  for (const auto& table : tables) {
    for (std::size_t g = 0; g < table.genes(); ++g, ++row)
      for (std::size_t b = 0; b < bins; ++b)
        for (std::size_t m = 0; m < marks.size(); ++m) study.matrices[m][row * bins + b] = table.value(g, b, m);
  }
  return result;
}

DeepChromeExport export_deepchrome(const StudyMatrices& study, const TextStyle styles[3]) {
  const std::size_t genes = study.genes.size();
  const std::size_t marks = study.marks.size();
  if (study.matrices.size() != marks) fail("export: {} matrices for {} marks", study.matrices.size(), marks);
  for (std::size_t m = 0; m < marks; ++m)
    if (study.matrices[m].size() != genes * study.bins)
      fail("export: matrix of {} holds {} values, expected {} genes x {} bins", study.marks[m],
           study.matrices[m].size(), genes, study.bins);

  // Checked here, where the matrix and row are known, so the message can name them.
  for (std::size_t m = 0; m < marks; ++m)
    for (std::size_t i = 0; i < study.matrices[m].size(); ++i)
      if (!std::isfinite(study.matrices[m][i]))
        fail("{}.npy: gene {} ({}), bin {}: {} cannot be written as a read count", study.marks[m],
             i / study.bins + 1, study.genes[i / study.bins].id, i % study.bins + 1, study.matrices[m][i]);

  const auto rows = index_genes(study.genes, "genes.tsv");
  std::vector<const LabelRow*> label_of(genes, nullptr);
  for (const auto& label : study.labels) {
    const auto it = rows.find(label.gene_id);
    if (it == rows.end()) fail("labels.tsv: gene {} is not in genes.tsv", label.gene_id);
    if (label_of[it->second]) fail("labels.tsv: gene {} is labelled twice", label.gene_id);
    label_of[it->second] = &label;
  }

  DeepChromeExport result;
  std::unordered_map<std::string, std::string> published_ids;  // GeneID -> gene_id, to catch collisions
  for (std::size_t s = 0; s < 3; ++s) {
    PublishedTable table;
    table.marks = marks;
    table.bins = study.bins;
    table.style = styles[s];
    for (std::size_t g = 0; g < genes; ++g) {
      const LabelRow* label = label_of[g];
      if (!label || label->split != kPublishedSplits[s]) continue;
      std::string id = published_gene_id(study.genes[g].id);
      auto [it, inserted] = published_ids.emplace(id, study.genes[g].id);
      if (!inserted && it->second != study.genes[g].id)
        fail("genes.tsv: genes {} and {} both become GeneID {}", it->second, study.genes[g].id, id);
      table.gene_ids.push_back(std::move(id));
      table.labels.push_back(label->label);
      for (std::size_t b = 0; b < study.bins; ++b)
        for (std::size_t m = 0; m < marks; ++m) table.values.push_back(study.matrices[m][g * study.bins + b]);
    }
    result.split_genes[s] = table.genes();
    result.text[s] = format_deepchrome_csv(table, &result.not_integral);
  }
  for (std::size_t g = 0; g < genes; ++g)
    if (!label_of[g]) ++result.unlabelled;
  return result;
}

}  // namespace achrome
