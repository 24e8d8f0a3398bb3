#include "report/run_folder.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <unordered_map>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/json_file.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace fs = std::filesystem;

namespace achrome::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using Json = nlohmann::json;

const Json& member(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) fail("{}: missing key \"{}\"", where, key);
  return object[key];
}

// Metrics may be null (NaN serialised by a JSON writer) when a split had a single class.
double number_or_nan(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return kNaN;
  if (!object[key].is_number()) fail("{}: \"{}\" must be a number", where, key);
  return object[key].get<double>();
}

long long integer(const Json& object, const char* key, const std::string& where) {
  const auto& value = member(object, key, where);
  if (!value.is_number_integer()) fail("{}: \"{}\" must be an integer", where, key);
  return value.get<long long>();
}

std::string scalar_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void flatten(const Json& value, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) flatten(child, prefix.empty() ? key : prefix + "." + key, out);
  } else {
    out.emplace_back(prefix, scalar_text(value));
  }
}

// Reads a TSV whose first line must start with the given column names; calls row(fields, where).
template <typename RowFn>
void read_tsv(const fs::path& path, const std::vector<std::string_view>& columns, RowFn row) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  if (!reader.next(line)) fail("{}: empty file (expected header '{}')", path.string(), fmt::join(columns, " "));
  split(line, '\t', fields);
  bool header_ok = fields.size() >= columns.size();
  for (std::size_t i = 0; header_ok && i < columns.size(); ++i) header_ok = fields[i] == columns[i];
  if (!header_ok) fail("{}:1: header must start with '{}' (tab-separated)", path.string(), fmt::join(columns, " "));
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    if (fields.size() < columns.size())
      fail("{}: expected {} tab-separated columns, found {}", reader.where(), columns.size(), fields.size());
    row(fields, reader.where());
  }
}

// A NaN score would leave the ROC computation without an ordering, and an infinite one has no place
// on a chart: both mean the run was broken, which is the reader's to say.
float finite(std::string_view field, const std::string& where, const char* what) {
  const double value = parse_double(field, where, what);
  if (!std::isfinite(value)) fail("{}: {} '{}' is not finite", where, what, field);
  return static_cast<float>(value);
}

int parse_label(std::string_view field, const std::string& where) {
  if (field == "0") return 0;
  if (field == "1") return 1;
  fail("{}: label must be 0 or 1, found '{}'", where, field);
}

// The run's bins: metrics.json's, else model.json's beside it (older runs); 0 when neither says.
long long run_bins(const RunMetrics& metrics, const fs::path& dir) {
  if (metrics.bins > 0) return metrics.bins;
  const fs::path model_json = dir / "model.json";
  std::ifstream in(model_json);
  if (!in) return 0;
  Json json;
  try {
    in >> json;
  } catch (const Json::exception& error) {
    fail("{}: not valid JSON: {}", model_json.string(), error.what());
  }
  return json.is_object() && json.contains("bins") ? integer(json, "bins", model_json.string()) : 0;
}

void check_beta_shape(const NpyArray& beta, std::size_t genes, std::size_t marks, const fs::path& dir) {
  if (beta.shape.size() != 2 || beta.dim(0) != genes || beta.dim(1) != marks)
    fail("{}: shape [{}] but attention_genes.tsv has {} genes and metrics.json {} marks (expected [genes, marks])",
         (dir / "beta.npy").string(), fmt::join(beta.shape, ", "), genes, marks);
}

}  // namespace

RunMetrics read_metrics_json(const fs::path& path) {
  const Json json = read_json_object(path, "is this a run folder of achrome-train?");
  const std::string where = path.string();
  RunMetrics metrics;
  try {
    metrics.model = member(json, "model", where).get<std::string>();
    metrics.epigenome = member(json, "epigenome", where).get<std::string>();
    metrics.marks = member(json, "marks", where).get<std::vector<std::string>>();
  } catch (const Json::type_error&) {
    fail("{}: \"model\" and \"epigenome\" must be strings, \"marks\" a list of strings", where);
  }
  metrics.bins = json.contains("bins") ? integer(json, "bins", where) : 0;
  metrics.best_epoch = integer(json, "best_epoch", where);
  metrics.epochs_run = json.contains("epochs_run") ? integer(json, "epochs_run", where) : 0;
  if (json.contains("seed")) metrics.seed = scalar_text(json["seed"]);
  if (json.contains("device")) metrics.device = scalar_text(json["device"]);
  const auto& splits = member(json, "splits", where);
  for (int s = 0; s < 3; ++s) {
    const char* name = split_name(static_cast<Split>(s));
    const std::string split_where = fmt::format("{}: splits.{}", where, name);
    const auto& split = member(splits, name, where + ": splits");
    auto& out = metrics.splits[s];
    out.auroc = number_or_nan(split, "auroc", split_where);
    out.aupr = number_or_nan(split, "aupr", split_where);
    out.loss = number_or_nan(split, "loss", split_where);
    out.genes = split.contains("genes") ? integer(split, "genes", split_where) : 0;
  }
  for (const char* section : {"data", "software", "hyperparameters"})
    if (json.contains(section)) flatten(json[section], section, metrics.provenance);
  return metrics;
}

std::vector<Prediction> read_predictions_tsv(const fs::path& path) {
  std::vector<Prediction> predictions;
  read_tsv(path, {"gene_id", "split", "label", "logit", "probability"}, [&](const auto& fields, const std::string& where) {
    Prediction p;
    p.gene_id = std::string(fields[0]);
    p.split = parse_split(fields[1], where);
    p.label = parse_label(fields[2], where);
    p.logit = finite(fields[3], where, "logit");
    p.probability = finite(fields[4], where, "probability");
    predictions.push_back(std::move(p));
  });
  return predictions;
}

std::vector<EpochRecord> read_history_tsv(const fs::path& path) {
  std::vector<EpochRecord> history;
  read_tsv(path, {"epoch", "train_loss", "train_auroc", "valid_loss", "valid_auroc", "test_auroc", "seconds"},
           [&](const auto& fields, const std::string& where) {
             EpochRecord r;
             r.epoch = parse_double(fields[0], where, "epoch");
             r.train_loss = parse_double(fields[1], where, "train_loss");
             r.train_auroc = parse_double(fields[2], where, "train_auroc");
             r.valid_loss = parse_double(fields[3], where, "valid_loss");
             r.valid_auroc = parse_double(fields[4], where, "valid_auroc");
             r.test_auroc = parse_double(fields[5], where, "test_auroc");
             r.seconds = parse_double(fields[6], where, "seconds");
             history.push_back(r);
           });
  return history;
}

std::vector<AttentionGene> read_attention_genes_tsv(const fs::path& path) {
  std::vector<AttentionGene> genes;
  // The strand column came later: runs written before it have four columns.
  bool strands = false;
  {
    LineReader reader(path.string());
    std::string_view header;
    std::vector<std::string_view> fields;
    if (reader.next(header)) {
      split(header, '\t', fields);
      strands = fields.size() >= 5 && fields[4] == "strand";
    }
  }
  const std::vector<std::string_view> columns =
      strands ? std::vector<std::string_view>{"gene_id", "label", "logit", "probability", "strand"}
              : std::vector<std::string_view>{"gene_id", "label", "logit", "probability"};
  read_tsv(path, columns, [&](const auto& fields, const std::string& where) {
    AttentionGene g;
    g.gene_id = std::string(fields[0]);
    g.label = parse_label(fields[1], where);
    g.logit = finite(fields[2], where, "logit");
    g.probability = finite(fields[3], where, "probability");
    if (strands) {
      if (fields[4] != "+" && fields[4] != "-") fail("{}: strand must be '+' or '-', found '{}'", where, fields[4]);
      g.strand = fields[4][0];
    }
    genes.push_back(std::move(g));
  });
  return genes;
}

RunFolder read_run_folder(const fs::path& dir, bool metrics_only) {
  if (!fs::is_directory(dir)) fail("{}: not a folder (expected a run folder with metrics.json)", dir.string());
  RunFolder run;
  run.dir = dir;
  run.metrics = read_metrics_json(dir / "metrics.json");
  if (metrics_only) return run;

  const auto missing = [&](const char* name) {
    spdlog::warn("{}: no {}; its section of the report is left out", dir.string(), name);
  };
  if (fs::exists(dir / "predictions.tsv")) run.predictions = read_predictions_tsv(dir / "predictions.tsv");
  else missing("predictions.tsv");
  if (fs::exists(dir / "history.tsv")) run.history = read_history_tsv(dir / "history.tsv");
  else missing("history.tsv");

  // alpha.npy needs attention_genes.tsv (its rows), beta.npy needs alpha.npy; saliency.npy has the same
  // rows, which older runs of models without attention listed only in predictions.tsv.
  const bool has_alpha = fs::exists(dir / "alpha.npy"), has_genes = fs::exists(dir / "attention_genes.tsv"),
             has_beta = fs::exists(dir / "beta.npy"), has_saliency = fs::exists(dir / "saliency.npy");
  if ((has_alpha || has_beta) && (!has_alpha || !has_genes))
    fail("{}: attention is incomplete: alpha.npy and attention_genes.tsv go together (beta.npy with them)", dir.string());
  if (has_genes) {
    run.genes = read_attention_genes_tsv(dir / "attention_genes.tsv");
  } else if (has_saliency && run.predictions) {
    for (const auto& p : *run.predictions)
      if (p.split == Split::Test) run.genes.push_back({p.gene_id, p.label, p.logit, p.probability, 0});
  }
  const std::size_t genes = run.genes.size(), marks = run.metrics.marks.size();
  const long long bins = run_bins(run.metrics, dir);
  if (!has_alpha) missing("attention (alpha.npy, attention_genes.tsv)");
  if (has_alpha) {
    Attention attention;
    attention.alpha = read_npy(dir / "alpha.npy");
    const auto& alpha = attention.alpha;
    const bool bins_match = alpha.shape.size() == 3 && (bins <= 0 || alpha.dim(2) == static_cast<std::size_t>(bins));
    if (alpha.shape.size() != 3 || alpha.dim(0) != genes || (alpha.dim(1) != marks && alpha.dim(1) != 1) || !bins_match)
      fail("{}: shape [{}] but the run has [genes, marks, bins] = [{}, {}, {}] (genes of attention_genes.tsv, marks "
           "of metrics.json or 1 for attention shared by the marks, bins of {})",
           (dir / "alpha.npy").string(), fmt::join(alpha.shape, ", "), genes, marks,
           bins > 0 ? std::to_string(bins) : "any", run.metrics.bins > 0 || bins <= 0 ? "metrics.json" : "model.json");
    if (alpha.dim(2) == 0) fail("{}: no bins", (dir / "alpha.npy").string());
    if (has_beta) {
      attention.beta = read_npy(dir / "beta.npy");
      check_beta_shape(*attention.beta, genes, marks, dir);
    }
    run.attention = std::move(attention);
  }
  if (has_saliency) {
    if (!has_genes && !run.predictions) {
      missing("attention_genes.tsv or predictions.tsv (the rows of saliency.npy)");
    } else {
      auto saliency = read_npy(dir / "saliency.npy");
      const std::size_t want_bins = bins > 0 ? static_cast<std::size_t>(bins)
                                              : (run.attention ? run.attention->alpha.dim(2) : 0);
      if (saliency.shape.size() != 3 || saliency.dim(0) != genes || saliency.dim(1) != marks ||
          (want_bins > 0 && saliency.dim(2) != want_bins) || saliency.dim(2) == 0)
        fail("{}: shape [{}] but the run has [genes, marks, bins] = [{}, {}, {}] (genes of {}, marks of metrics.json)",
             (dir / "saliency.npy").string(), fmt::join(saliency.shape, ", "), genes, marks,
             want_bins > 0 ? std::to_string(want_bins) : "any",
             has_genes ? "attention_genes.tsv" : "the test split of predictions.tsv");
      run.saliency = std::move(saliency);
    }
  }
  if (fs::exists(dir / "geometry.json")) {
    run.geometry = read_geometry(dir / "geometry.json");
    if (bins > 0 && run.geometry->bins != bins)
      fail("{}: {} bins, but the run has {} ({})", (dir / "geometry.json").string(), run.geometry->bins, bins,
           run.metrics.bins > 0 ? "metrics.json" : "model.json");
  }
  return run;
}

std::optional<MarkAttention> read_mark_attention(const fs::path& dir, const RunMetrics& metrics) {
  if (!fs::exists(dir / "beta.npy")) return std::nullopt;
  if (!fs::exists(dir / "attention_genes.tsv"))
    fail("{}: beta.npy without attention_genes.tsv, which names its rows", dir.string());
  MarkAttention attention;
  attention.beta = read_npy(dir / "beta.npy");
  attention.genes = read_attention_genes_tsv(dir / "attention_genes.tsv");
  check_beta_shape(attention.beta, attention.genes.size(), metrics.marks.size(), dir);
  return attention;
}

NpyArray read_run_signal(const RunFolder& run, const fs::path& genes_tsv, const std::vector<MarkFile>& marks) {
  const auto& names = run.metrics.marks;
  for (const auto& mark : marks)
    if (std::find(names.begin(), names.end(), mark.mark) == names.end())
      fail("--mark {}: the run has no such mark (metrics.json: {})", mark.mark, fmt::join(names, ", "));
  std::vector<MarkFile> ordered;
  for (const auto& name : names) {
    const auto it = std::find_if(marks.begin(), marks.end(), [&](const MarkFile& m) { return m.mark == name; });
    if (it == marks.end()) fail("--mark: the run's mark {} is not given (it needs all of {})", name, fmt::join(names, ", "));
    ordered.push_back(*it);
  }
  const auto stacked = stack_marks(genes_tsv, ordered);
  const std::size_t bins = stacked.inputs.bins, n_marks = ordered.size();
  const long long run_bins = run.metrics.bins;
  if (run_bins > 0 && bins != static_cast<std::size_t>(run_bins))
    fail("{}: {} bins, but the run has {} (metrics.json)", ordered.front().path.string(), bins, run_bins);
  std::unordered_map<std::string, std::size_t> row_of;
  for (std::size_t g = 0; g < stacked.gene_ids.size(); ++g) row_of.emplace(stacked.gene_ids[g], g);
  NpyArray signal;
  signal.shape = {run.genes.size(), n_marks, bins};
  signal.data.resize(run.genes.size() * n_marks * bins);
  for (std::size_t g = 0; g < run.genes.size(); ++g) {
    const auto it = row_of.find(run.genes[g].gene_id);
    if (it == row_of.end()) fail("{}: gene {} of the run is not in it", genes_tsv.string(), run.genes[g].gene_id);
    const float* in = stacked.inputs.data.data() + it->second * bins * n_marks;  // [bins, marks]
    float* out = signal.data.data() + g * n_marks * bins;                         // [marks, bins]
    for (std::size_t b = 0; b < bins; ++b)
      for (std::size_t m = 0; m < n_marks; ++m) out[m * bins + b] = in[b * n_marks + m];
  }
  return signal;
}

std::optional<NpyArray> read_recorded_signal(const RunFolder& run, std::string& why) {
  if (!run.geometry) {
    why = "the run folder has no geometry.json";
    return std::nullopt;
  }
  const auto recorded_md5 = [&](const std::string& key) -> std::string {
    for (const auto& [name, value] : run.metrics.provenance)
      if (name == key) return value;
    return "";
  };
  const auto& geometry = *run.geometry;
  if (!geometry.genes || geometry.genes->path.empty()) {
    why = "geometry.json names no genes.tsv";
    return std::nullopt;
  }
  const auto unchanged = [&](const std::string& path, const std::string& md5) {
    if (md5.empty() || !fs::is_regular_file(path)) {
      why = fmt::format("{} is not there", path);
      return false;
    }
    if (md5_file(path) != md5) {
      why = fmt::format("{} changed since the training", path);
      return false;
    }
    return true;
  };
  if (!unchanged(geometry.genes->path, recorded_md5("data.genes"))) return std::nullopt;
  std::vector<MarkFile> marks;
  for (const auto& mark : run.metrics.marks) {
    const auto it = std::find_if(geometry.signals.begin(), geometry.signals.end(),
                                 [&](const auto& entry) { return entry.first == mark; });
    if (it == geometry.signals.end() || it->second.matrix.empty()) {
      why = fmt::format("geometry.json names no matrix of {}", mark);
      return std::nullopt;
    }
    if (!unchanged(it->second.matrix, recorded_md5("data.inputs." + mark))) return std::nullopt;
    marks.push_back({mark, it->second.matrix});
  }
  return read_run_signal(run, geometry.genes->path, marks);
}

}  // namespace achrome::report
