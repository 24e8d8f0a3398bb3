#include "dataset/labelling.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "genome/chrom_names.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

std::string ThresholdRule::text() const {
  switch (kind) {
    case Kind::Median: return "median";
    case Kind::Quantile: return fmt::format("quantile:{}", parameter);
    case Kind::Value: return fmt::format("value:{}", parameter);
  }
  return "?";
}

ThresholdRule parse_threshold(const std::string& text) {
  ThresholdRule rule;
  if (text == "median") return rule;
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string argument = colon == std::string::npos ? "" : text.substr(colon + 1);
  const auto number = to_double(argument);
  if (kind == "quantile") {
    if (!number || !(*number >= 0 && *number <= 1))
      fail("--threshold {}: the quantile must be a number from 0 to 1, as in quantile:0.75", text);
    rule.kind = ThresholdRule::Kind::Quantile;
  } else if (kind == "value") {
    if (!number || !std::isfinite(*number)) fail("--threshold {}: expected a finite number, as in value:1.5", text);
    rule.kind = ThresholdRule::Kind::Value;
  } else {
    fail("--threshold '{}': expected median, quantile:Q or value:X", text);
  }
  rule.parameter = *number;
  return rule;
}

std::string SplitRule::name() const {
  switch (kind) {
    case Kind::Paper: return "paper";
    case Kind::Chromosome: return "chromosome";
    case Kind::Random: return "random";
    case Kind::File: return "file";
  }
  return "?";
}

SplitRule::Kind parse_split_kind(const std::string& text) {
  if (text == "paper") return SplitRule::Kind::Paper;
  if (text == "chromosome") return SplitRule::Kind::Chromosome;
  if (text == "random") return SplitRule::Kind::Random;
  if (text == "file") return SplitRule::Kind::File;
  fail("--split '{}': expected paper, chromosome, random or file", text);
}

double median(std::vector<double> values) {
  if (values.empty()) fail("median of no values");
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return (lower + upper) / 2.0;
}

double quantile_linear(std::vector<double> values, double q) {
  if (values.empty()) fail("quantile of no values");
  std::sort(values.begin(), values.end());
  // numpy 1.22+ 'linear': virtual index (n - 1) q, then numpy's _lerp, which interpolates from the
  // upper neighbour when the weight is >= 0.5 (that choice decides the last bit).
  const double virtual_index = static_cast<double>(values.size() - 1) * q;
  const double previous = std::floor(virtual_index);
  if (virtual_index >= static_cast<double>(values.size() - 1)) return values.back();
  if (virtual_index < 0) return values.front();
  const auto index = static_cast<std::size_t>(previous);
  const double a = values[index], b = values[index + 1];
  const double t = virtual_index - previous;
  const double difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}

std::array<std::size_t, 3> split_sizes(std::size_t genes) {
  // round(n * 6601 / 19802), halves rounded up, in integers so that 19,802 gives 6601 exactly.
  constexpr std::size_t part = 6601, whole = 19802;
  const std::size_t first = (2 * genes * part + whole) / (2 * whole);
  const std::size_t train = std::min(first, genes);
  const std::size_t valid = std::min(first, genes - train);
  return {train, valid, genes - train - valid};
}

namespace {

// Uniform integer in [0, bound) from a 64-bit generator, without modulo bias: reject the few raw
// values below 2^64 mod bound (the arc4random_uniform construction).
std::uint64_t uniform_below(std::mt19937_64& generator, std::uint64_t bound) {
  const std::uint64_t reject_below = (0 - bound) % bound;
  while (true) {
    const std::uint64_t raw = generator();
    if (raw >= reject_below) return raw % bound;
  }
}

std::array<std::size_t, 3> fraction_sizes(std::size_t genes, const std::array<double, 2>& fractions) {
  const auto n = static_cast<double>(genes);
  const auto train = std::min(genes, static_cast<std::size_t>(std::floor(n * fractions[0] + 0.5)));
  const auto valid = std::min(genes - train, static_cast<std::size_t>(std::floor(n * fractions[1] + 0.5)));
  return {train, valid, genes - train - valid};
}

// gene_id -> split from a table whose header names 'gene_id' and 'split' columns (tab-separated).
std::unordered_map<std::string, Split> read_split_file(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  if (!reader.next(line)) fail("{}: empty file (expected a header with gene_id and split columns)", path.string());
  split(line, '\t', fields);
  const auto column = [&](std::string_view name) {
    const auto it = std::find(fields.begin(), fields.end(), name);
    if (it == fields.end()) fail("{}:1: no '{}' column in the header (tab-separated)", path.string(), name);
    return static_cast<std::size_t>(it - fields.begin());
  };
  const auto id_column = column("gene_id"), split_column = column("split");
  const auto needed = std::max(id_column, split_column) + 1;
  std::unordered_map<std::string, Split> splits;
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    if (fields.size() < needed) fail("{}: expected at least {} columns, found {}", reader.where(), needed, fields.size());
    const auto where = reader.where();
    const auto [it, inserted] = splits.emplace(std::string(fields[id_column]), parse_split(fields[split_column], where));
    if (!inserted) fail("{}: gene {} is listed twice", where, it->first);
  }
  return splits;
}

// Assigns row.split for every row; gene_of_row[i] is the genes.tsv entry of rows[i].
void assign_splits(std::vector<LabelRow>& rows, const std::vector<const Gene*>& gene_of_row, const SplitRule& rule) {
  switch (rule.kind) {
    case SplitRule::Kind::Paper: {
      const auto sizes = split_sizes(rows.size());
      std::size_t row_index = 0;
      for (int s = 0; s < 3; ++s)
        for (std::size_t k = 0; k < sizes[s]; ++k) rows[row_index++].split = static_cast<Split>(s);
      return;
    }
    case SplitRule::Kind::Random: {
      if (rule.fractions) {
        const auto& f = *rule.fractions;
        if (!(f[0] >= 0 && f[1] >= 0 && f[0] + f[1] <= 1))
          fail("--fractions {},{}: train and valid fractions must be >= 0 and sum to at most 1", f[0], f[1]);
      }
      const auto sizes = rule.fractions ? fraction_sizes(rows.size(), *rule.fractions) : split_sizes(rows.size());
      // The first sizes[0] genes of the permutation train, the next sizes[1] valid; the rows stay
      // in genes.tsv order.
      const auto order = seeded_permutation(rows.size(), rule.seed);
      for (std::size_t k = 0; k < order.size(); ++k)
        rows[order[k]].split = k < sizes[0] ? Split::Train : k < sizes[0] + sizes[1] ? Split::Valid : Split::Test;
      return;
    }
    case SplitRule::Kind::File: {
      const auto splits = read_split_file(rule.file);
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto it = splits.find(rows[i].gene_id);
        if (it == splits.end())
          fail("{}: no split for gene {} of genes.tsv", rule.file.string(), rows[i].gene_id);
        rows[i].split = it->second;
      }
      return;
    }
    case SplitRule::Kind::Chromosome: {
      if (rule.valid_chroms.empty() || rule.test_chroms.empty())
        fail("--split chromosome needs --valid-chroms and --test-chroms (comma-separated chromosome names)");
      std::unordered_map<std::string, Split> held_out;
      std::unordered_map<std::string, std::string> spelled;  // canonical -> as given, for messages
      for (const auto& [names, split] : {std::pair{&rule.valid_chroms, Split::Valid}, {&rule.test_chroms, Split::Test}})
        for (const auto& name : *names) {
          const auto canonical = canonical_chrom(name);
          auto [it, inserted] = held_out.try_emplace(canonical, split);
          if (!inserted)
            fail("chromosome '{}' is named twice in --valid-chroms/--test-chroms (a gene is in exactly one split)",
                 name);
          spelled.emplace(canonical, name);
        }
      std::set<std::string> used, all;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto canonical = canonical_chrom(gene_of_row[i]->chrom);
        all.insert(gene_of_row[i]->chrom);
        auto it = held_out.find(canonical);
        rows[i].split = it == held_out.end() ? Split::Train : it->second;
        if (it != held_out.end()) used.insert(canonical);
      }
      for (const auto& [canonical, split] : held_out)
        if (!used.count(canonical))
          fail("--{}-chroms: no labelled gene on chromosome '{}' (chromosomes of the genes: {})",
               split_name(split), spelled[canonical], fmt::join(all, " "));
      return;
    }
  }
}

}  // namespace

std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 generator(seed);
  for (std::size_t i = n; i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(generator, i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

Labelling label_genes(const std::vector<Gene>& genes, const ExpressionTable& expression,
                      const LabellingOptions& options) {
  Labelling result;
  auto& summary = result.summary;
  summary.epigenome = expression.sample();
  summary.source = expression.source();
  summary.format = expression.format;
  summary.value = expression.value;
  summary.split = options.split;
  std::vector<double> values;
  std::vector<const Gene*> gene_of_row;
  values.reserve(genes.size());
  for (const auto& gene : genes) {
    if (auto value = expression.find(gene.id)) {
      LabelRow row;
      row.gene_id = gene.id;
      row.value = *value;
      result.rows.push_back(std::move(row));
      gene_of_row.push_back(&gene);
      values.push_back(*value);
    } else {
      ++summary.genes_dropped;
      if (summary.dropped_examples.size() < 10) summary.dropped_examples.push_back(gene.id);
    }
  }
  if (result.rows.empty())
    fail("{}: none of the {} genes has a value in column {} (are the gene ids of the same kind?)", expression.source(),
         genes.size(), expression.sample());

  const auto& rule = options.threshold;
  summary.threshold_rule = rule.text();
  switch (rule.kind) {
    case ThresholdRule::Kind::Median:
      summary.method = "median";
      summary.threshold = median(values);
      break;
    case ThresholdRule::Kind::Quantile:
      summary.method = "quantile";
      summary.threshold = quantile_linear(values, rule.parameter);
      break;
    case ThresholdRule::Kind::Value:
      summary.method = "value";
      summary.threshold = rule.parameter;
      break;
  }
  summary.genes_labelled = result.rows.size();
  for (auto& row : result.rows) row.label = row.value > summary.threshold ? 1 : 0;
  assign_splits(result.rows, gene_of_row, options.split);
  for (const auto& row : result.rows) {
    auto& counts = summary.splits[static_cast<int>(row.split)];
    ++counts.genes;
    if (row.label == 1) ++counts.positives; else ++counts.negatives;
  }
  for (const auto& counts : summary.splits) {
    summary.positives += counts.positives;
    summary.negatives += counts.negatives;
  }
  if (summary.positives == 0 || summary.negatives == 0)
    fail("{}: column {}: every one of the {} genes is {} the threshold {} ({}); the labels would be one class",
         expression.source(), expression.sample(), summary.genes_labelled,
         summary.positives == 0 ? "at or below" : "above", summary.threshold, summary.threshold_rule);
  return result;
}

Labelling label_by_median(const std::vector<Gene>& genes, const ExpressionTable& expression) {
  return label_genes(genes, expression, LabellingOptions{});
}

void write_labelling_summary(const std::filesystem::path& path, const LabellingSummary& summary) {
  nlohmann::ordered_json json;
  json["epigenome"] = summary.epigenome;
  json["method"] = summary.method;
  json["threshold_rule"] = summary.threshold_rule;
  json["threshold"] = summary.threshold;
  json["genes_labelled"] = summary.genes_labelled;
  json["genes_dropped"] = summary.genes_dropped;
  json["positives"] = summary.positives;
  json["negatives"] = summary.negatives;
  json["positive_fraction"] =
      summary.genes_labelled == 0 ? 0.0
                                  : static_cast<double>(summary.positives) / static_cast<double>(summary.genes_labelled);
  for (int s = 0; s < 3; ++s) {
    const auto& counts = summary.splits[s];
    json["splits"][split_name(static_cast<Split>(s))] = {
        {"genes", counts.genes}, {"positives", counts.positives}, {"negatives", counts.negatives}};
  }
  auto& split = json["split"];
  split["method"] = summary.split.name();
  if (summary.split.kind == SplitRule::Kind::Random) {
    split["seed"] = summary.split.seed;
    if (summary.split.fractions) split["fractions"] = *summary.split.fractions;
  }
  if (summary.split.kind == SplitRule::Kind::File) split["file"] = summary.split.file.string();
  if (summary.split.kind == SplitRule::Kind::Chromosome) {
    split["valid_chroms"] = summary.split.valid_chroms;
    split["test_chroms"] = summary.split.test_chroms;
  }
  json["expression"] = {{"source", summary.source}, {"format", summary.format}, {"value", summary.value}};
  json["dropped_examples"] = summary.dropped_examples;
  write_file_atomic(path, json.dump(2) + "\n");
}

}  // namespace achrome
