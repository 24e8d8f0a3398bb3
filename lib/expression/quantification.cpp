#include "expression/quantification.hpp"

#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "annotation/genes.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace {

// Index of a header column by exact name; Error lists the header.
std::size_t column_of(const std::vector<std::string>& header, const std::string& name, const std::string& path,
                      std::size_t header_line, const char* why) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  fail("{}:{}: no column '{}' ({}); columns: {}", path, header_line, name, why, fmt::join(header, " "));
}

std::vector<std::string> header_fields(std::string_view line) {
  auto fields = split(line, '\t');
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  return {fields.begin(), fields.end()};
}

double finite_value(std::string_view field, const LineReader& reader, const std::string& column) {
  const double value = parse_double(field, reader.where(), fmt::format("column {}", column));
  if (!std::isfinite(value)) fail("{}: column {}: '{}' is not a finite number", reader.where(), column, field);
  return value;
}

void check_field_count(const std::vector<std::string_view>& fields, std::size_t expected, const LineReader& reader) {
  if (fields.size() < expected)
    fail("{}: expected {} tab-separated fields, found {}", reader.where(), expected, fields.size());
}

// ENST00000456328, ENSMUST00000..., ENSDART...: Ensembl transcript ids (prefix ENS, species
// letters, then T, then digits).
bool looks_like_transcript(std::string_view id) {
  if (id.substr(0, 3) != "ENS") return false;
  std::size_t i = 3;
  while (i < id.size() && std::isupper(static_cast<unsigned char>(id[i]))) ++i;
  return i > 3 && i < id.size() && id[i - 1] == 'T' && std::isdigit(static_cast<unsigned char>(id[i]));
}

void reject(const ExpressionOptions& options, const std::string& path, const char* format, bool value_ok,
            bool tx2gene_ok, bool value_column_ok) {
  if (!value_ok && options.value != "auto")
    fail("{}: --value {} does not apply to {} files (their values are used as they are)", path, options.value, format);
  if (!tx2gene_ok && !options.tx2gene.empty())
    fail("{}: --tx2gene applies to salmon and kallisto transcript quantifications, not to {} files", path, format);
  if (!value_column_ok && !options.value_column.empty())
    fail("{}: --value-column does not apply to {} files", path, format);
}

// The shared body of salmon and kallisto: an id column, a value column, optional transcript -> gene
// summing.
ExpressionTable read_transcript_table(const std::filesystem::path& path, const ExpressionOptions& options,
                                      const char* format, const std::vector<std::string>& expected_header,
                                      const std::string& default_column) {
  reject(options, path.string(), format, true, true, true);
  if (options.value == "rpkm")
    fail("{}: {} reports TPM, not RPKM/FPKM; use --value tpm (the default) or --value-column", path.string(), format);
  LineReader reader(path.string());
  std::string_view line;
  if (!reader.next(line)) fail("{}: empty file (expected a {} header)", reader.path(), format);
  const auto header = header_fields(line);
  for (std::size_t i = 0; i < expected_header.size(); ++i)
    if (i >= header.size() || header[i] != expected_header[i])
      fail("{}:1: not a {} header (expected '{}')", reader.path(), format, fmt::join(expected_header, " "));
  const std::string column_name = options.value_column.empty() ? default_column : options.value_column;
  const std::size_t column = column_of(header, column_name, reader.path(), 1, "the value column");

  std::optional<std::unordered_map<std::string, std::string>> tx2gene;
  if (!options.tx2gene.empty()) tx2gene = read_tx2gene(options.tx2gene);

  ExpressionTable table(reader.path(), options.sample);
  table.format = format;
  // Gene sums in first-seen order so that duplicate messages and results never depend on hashing.
  std::map<std::string, double> gene_sums;
  std::unordered_map<std::string, std::string> seen_transcripts;  // id -> where, for duplicate errors
  std::size_t transcripts = 0, unmapped = 0, gencode_names = 0;
  std::vector<std::string> unmapped_examples;
  std::vector<std::string_view> fields;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    check_field_count(fields, header.size(), reader);
    std::string_view name = fields[0];
    if (name.empty()) fail("{}: empty {} id", reader.where(), header[0]);
    const double value = finite_value(fields[column], reader, column_name);
    std::optional<std::string> gene_from_name;
    // salmon without --gencode keeps GENCODE's full FASTA names: ENST...|ENSG...|OTTHUMG...|...
    if (const auto bar = name.find('|'); bar != std::string_view::npos) {
      const auto fields_of_name = split(name, '|');
      name = fields_of_name[0];
      if (fields_of_name.size() > 1 && !fields_of_name[1].empty()) gene_from_name = std::string(fields_of_name[1]);
      ++gencode_names;
    }
    const bool summing = tx2gene.has_value() || gene_from_name.has_value();
    if (!summing) {
      if (looks_like_transcript(name))
        fail("{}: '{}' is a transcript id; give --tx2gene FILE (transcript, gene) to sum transcripts per gene",
             reader.where(), name);
      table.add(std::string(name), value, reader.where());
      continue;
    }
    ++transcripts;
    const std::string transcript = strip_version(std::string(name));
    if (auto [it, inserted] = seen_transcripts.try_emplace(transcript, reader.where()); !inserted)
      fail("{}: transcript '{}' repeats (first at {})", reader.where(), name, it->second);
    std::string gene;
    if (tx2gene) {
      auto it = tx2gene->find(transcript);
      if (it == tx2gene->end()) {
        ++unmapped;
        if (unmapped_examples.size() < 5) unmapped_examples.emplace_back(name);
        continue;
      }
      gene = it->second;
    } else {
      gene = *gene_from_name;
    }
    gene_sums[strip_version(gene)] += value;
  }
  if (!gene_sums.empty())
    for (const auto& [gene, sum] : gene_sums) table.add(gene, sum, reader.path());
  if (table.size() == 0) {
    if (transcripts > 0)
      fail("{}: none of its {} transcripts is in {} (are the transcript ids of the same kind?)", reader.path(),
           transcripts, options.tx2gene);
    fail("{}: no rows after the header", reader.path());
  }
  if (transcripts > 0) {
    table.value = fmt::format("{} summed per gene over {} transcripts ({})", column_name, transcripts - unmapped,
                              tx2gene ? "map " + options.tx2gene : std::string("gene field of GENCODE names"));
  } else {
    table.value = column_name;
  }
  if (unmapped > 0)
    table.notes.push_back(fmt::format("{} of {} transcripts of {} are not in {} and are ignored (e.g. {})", unmapped,
                                      transcripts, reader.path(), options.tx2gene, fmt::join(unmapped_examples, ", ")));
  return table;
}

// Counts -> RPKM (count * 1e9 / (length * total)) or TPM ((count / length) / sum(count / length) * 1e6).
// 'total' is over every gene of the file, as RPKM's "per million mapped reads" means reads counted
// anywhere, not only in the genes being labelled.
struct CountRow {
  std::string gene;
  double count;
  double length;
  std::string where;
};

void normalise_counts(ExpressionTable& table, const std::vector<CountRow>& rows, const std::string& value,
                      const std::string& what) {
  double total = 0, total_rate = 0;
  for (const auto& row : rows) {
    total += row.count;
    total_rate += row.count / row.length;
  }
  if (total <= 0) fail("{}: {} has no counted reads; cannot normalise", table.source(), what);
  const bool tpm = value == "tpm";
  for (const auto& row : rows) {
    const double normalised = tpm ? row.count / row.length / total_rate * 1e6 : row.count * 1e9 / (row.length * total);
    table.add(row.gene, normalised, row.where);
  }
  table.value = fmt::format("{} from {} ({} reads)", tpm ? "TPM" : "RPKM", what, total);
}

std::string normalised_value(const ExpressionOptions& options, const std::string& path, const char* format) {
  if (options.value == "auto" || options.value == "rpkm") return "rpkm";
  if (options.value == "tpm") return "tpm";
  fail("{}: --value must be auto, rpkm or tpm for {} counts, not '{}'", path, format, options.value);
}

double positive_length(std::string_view field, const std::string& where, const char* what) {
  const auto length = parse_int(field, where, what);
  if (length <= 0) fail("{}: {} '{}' must be a positive number of bases", where, what, field);
  return static_cast<double>(length);
}

}  // namespace

namespace {

// The side files (transcript-to-gene maps, gene lengths) are two-column tables, tab- or
// comma-separated, with '#' comments; calls row(first, second, reader) for each data line.
template <typename Row>
void for_each_pair(const std::filesystem::path& path, const char* expected, Row&& row) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  while (reader.next(line)) {
    if (line.empty() || line.front() == '#') continue;
    split(line, line.find('\t') != std::string_view::npos ? '\t' : ',', fields);
    if (fields.size() < 2) fail("{}: expected {}", reader.where(), expected);
    row(fields[0], fields[1], reader);
  }
}

}  // namespace

std::unordered_map<std::string, std::string> read_tx2gene(const std::filesystem::path& path) {
  std::unordered_map<std::string, std::string> map;
  std::unordered_map<std::string, std::string> where;
  const char* expected = "'transcript<TAB>gene' (or comma-separated)";
  for_each_pair(path, expected, [&](std::string_view first, std::string_view second, const LineReader& reader) {
    if (first.empty() || second.empty()) fail("{}: expected {}", reader.where(), expected);
    auto transcript = strip_version(std::string(first));
    auto gene = strip_version(std::string(second));
    auto [it, inserted] = map.try_emplace(transcript, gene);
    if (inserted) {
      where.emplace(transcript, reader.where());
    } else if (it->second != gene) {
      fail("{}: transcript '{}' mapped to gene '{}' here but to '{}' at {}", reader.where(), first, gene,
           it->second, where[transcript]);
    }
  });
  if (map.empty()) fail("{}: no transcript-to-gene rows", path.string());
  return map;
}

std::unordered_map<std::string, double> read_gene_lengths(const std::filesystem::path& path) {
  std::unordered_map<std::string, double> lengths;
  std::unordered_map<std::string, std::string> where;
  for_each_pair(path, "'gene<TAB>length'", [&](std::string_view first, std::string_view second, const LineReader& reader) {
    if (reader.line_number() == 1 && !to_int(second)) return;  // a header line
    auto gene = strip_version(std::string(first));
    const double length = positive_length(second, reader.where(), "gene length");
    auto [it, inserted] = where.try_emplace(gene, reader.where());
    if (!inserted) fail("{}: gene '{}' repeats (first at {})", reader.where(), first, it->second);
    lengths.emplace(gene, length);
  });
  if (lengths.empty()) fail("{}: no gene length rows", path.string());
  return lengths;
}

ExpressionTable read_rsem_genes(const std::filesystem::path& path, const ExpressionOptions& options) {
  reject(options, path.string(), "RSEM", true, false, true);
  LineReader reader(path.string());
  std::string_view line;
  if (!reader.next(line)) fail("{}: empty file (expected the RSEM header 'gene_id transcript_id(s) ...')", reader.path());
  const auto header = header_fields(line);
  if (header.size() < 2 || header[0] != "gene_id" || header[1] != "transcript_id(s)")
    fail("{}:1: not an RSEM genes.results header (expected 'gene_id transcript_id(s) length effective_length "
         "expected_count TPM FPKM')",
         reader.path());
  std::string column_name = options.value_column;
  if (column_name.empty()) {
    if (options.value == "auto" || options.value == "rpkm") column_name = "FPKM";
    else if (options.value == "tpm") column_name = "TPM";
    else fail("{}: --value must be auto, rpkm or tpm, not '{}'", reader.path(), options.value);
  }
  const std::size_t column = column_of(header, column_name, reader.path(), 1, "the value column");
  ExpressionTable table(reader.path(), options.sample);
  table.format = "rsem";
  table.value = column_name;
  std::vector<std::string_view> fields;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    check_field_count(fields, header.size(), reader);
    if (fields[0].empty()) fail("{}: empty gene_id", reader.where());
    table.add(std::string(fields[0]), finite_value(fields[column], reader, column_name), reader.where());
  }
  if (table.size() == 0) fail("{}: no gene rows after the header", reader.path());
  return table;
}

ExpressionTable read_salmon_quant(const std::filesystem::path& path, const ExpressionOptions& options) {
  return read_transcript_table(path, options, "salmon", {"Name", "Length", "EffectiveLength", "TPM", "NumReads"},
                               "TPM");
}

ExpressionTable read_kallisto_abundance(const std::filesystem::path& path, const ExpressionOptions& options) {
  return read_transcript_table(path, options, "kallisto", {"target_id", "length", "eff_length", "est_counts", "tpm"},
                               "tpm");
}

ExpressionTable read_featurecounts(const std::filesystem::path& path, const ExpressionOptions& options) {
  reject(options, path.string(), "featureCounts", true, false, true);
  const auto value = normalised_value(options, path.string(), "featureCounts");
  LineReader reader(path.string());
  std::string_view line;
  do {
    if (!reader.next(line)) fail("{}: no featureCounts header 'Geneid Chr Start End Strand Length ...'", reader.path());
  } while (line.empty() || line.front() == '#');
  const auto header = header_fields(line);
  const std::size_t header_line = reader.line_number();
  const std::vector<std::string> fixed{"Geneid", "Chr", "Start", "End", "Strand", "Length"};
  for (std::size_t i = 0; i < fixed.size(); ++i)
    if (i >= header.size() || header[i] != fixed[i])
      fail("{}: not a featureCounts header (expected 'Geneid Chr Start End Strand Length <samples>')", reader.where());
  const std::vector<std::string> samples(header.begin() + 6, header.end());
  if (samples.empty()) fail("{}: featureCounts header has no sample column", reader.where());

  // The sample column: named by --value-column, the only one, or the one whose name (a BAM path
  // as featureCounts writes it) is --epigenome or has it as its file name stem.
  std::size_t column = 0;
  if (!options.value_column.empty()) {
    column = column_of(header, options.value_column, reader.path(), header_line, "the sample column");
    if (column < 6) fail("{}:{}: --value-column must name a sample column, not '{}'", reader.path(), header_line,
                         options.value_column);
  } else if (samples.size() == 1) {
    column = 6;
  } else {
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const std::filesystem::path name(samples[i]);
      if (samples[i] == options.sample || name.stem().string() == options.sample ||
          name.filename().string() == options.sample) {
        if (column != 0)
          fail("{}:{}: sample '{}' matches two columns; use --value-column", reader.path(), header_line,
               options.sample);
        column = 6 + i;
      }
    }
    if (column == 0)
      fail("{}:{}: no sample column '{}' (matched by name or file name stem); available: {}", reader.path(),
           header_line, options.sample, fmt::join(samples, " "));
  }
  std::optional<std::unordered_map<std::string, double>> lengths;
  if (!options.gene_lengths.empty()) lengths = read_gene_lengths(options.gene_lengths);

  ExpressionTable table(reader.path(), options.sample);
  table.format = "featurecounts";
  std::vector<CountRow> rows;
  std::vector<std::string_view> fields;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    check_field_count(fields, header.size(), reader);
    if (fields[0].empty()) fail("{}: empty Geneid", reader.where());
    CountRow row{std::string(fields[0]), finite_value(fields[column], reader, header[column]), 0, reader.where()};
    if (row.count < 0) fail("{}: column {}: negative count '{}'", reader.where(), header[column], fields[column]);
    if (lengths) {
      auto it = lengths->find(strip_version(row.gene));
      if (it == lengths->end()) fail("{}: gene '{}' has no length in {}", reader.where(), row.gene, options.gene_lengths);
      row.length = it->second;
    } else {
      row.length = positive_length(fields[5], reader.where(), "Length");
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) fail("{}: no gene rows after the header", reader.path());
  normalise_counts(table, rows, value, fmt::format("featureCounts counts of column {}", header[column]));
  return table;
}

ExpressionTable read_star_gene_counts(const std::filesystem::path& path, const ExpressionOptions& options) {
  reject(options, path.string(), "STAR", true, false, false);
  const auto value = normalised_value(options, path.string(), "STAR");
  std::size_t column = 0;
  if (options.star_column == "unstranded") column = 1;
  else if (options.star_column == "forward") column = 2;
  else if (options.star_column == "reverse") column = 3;
  else fail("--star-column must be unstranded, forward or reverse, not '{}'", options.star_column);
  if (options.gene_lengths.empty())
    fail("{}: STAR ReadsPerGene.out.tab has counts but no gene lengths; give --gene-lengths FILE (gene<TAB>length) "
         "to normalise them",
         path.string());
  const auto lengths = read_gene_lengths(options.gene_lengths);

  LineReader reader(path.string());
  ExpressionTable table(reader.path(), options.sample);
  table.format = "star";
  std::vector<CountRow> rows;
  std::string_view line;
  std::vector<std::string_view> fields;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    if (fields.size() != 4)
      fail("{}: expected 4 tab-separated fields (gene unstranded forward reverse), found {}", reader.where(),
           fields.size());
    // STAR's summary lines precede the genes; they are reads, not genes.
    if (fields[0] == "N_unmapped" || fields[0] == "N_multimapping" || fields[0] == "N_noFeature" ||
        fields[0] == "N_ambiguous")
      continue;
    if (fields[0].empty()) fail("{}: empty gene id", reader.where());
    CountRow row{std::string(fields[0]), finite_value(fields[column], reader, options.star_column), 0, reader.where()};
    if (row.count < 0) fail("{}: column {}: negative count '{}'", reader.where(), options.star_column, fields[column]);
    auto it = lengths.find(strip_version(row.gene));
    if (it == lengths.end()) fail("{}: gene '{}' has no length in {}", reader.where(), row.gene, options.gene_lengths);
    row.length = it->second;
    rows.push_back(std::move(row));
  }
  if (rows.empty()) fail("{}: no gene rows", reader.path());
  normalise_counts(table, rows, value, fmt::format("STAR {} counts", options.star_column));
  return table;
}

}  // namespace achrome
