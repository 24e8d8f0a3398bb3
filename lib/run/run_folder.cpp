#include "run/run_folder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/json_file.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace fs = std::filesystem;

namespace achrome {

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

std::optional<double> optional_number(const Json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) return std::nullopt;
  if (!object[key].is_number()) fail("{}: \"{}\" must be a number", where, key);
  return object[key].get<double>();
}

std::string string_member(const Json& object, const char* key, const std::string& where) {
  const auto& value = member(object, key, where);
  if (!value.is_string()) fail("{}: \"{}\" must be a string", where, key);
  return value.get<std::string>();
}

std::vector<std::string> string_list(const Json& object, const char* key, const std::string& where) {
  const auto& value = member(object, key, where);
  const bool ok = value.is_array() && std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); });
  if (!ok) fail("{}: \"{}\" must be a list of strings", where, key);
  return value.get<std::vector<std::string>>();
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
double finite_double(std::string_view field, const std::string& where, const char* what) {
  const double value = parse_double(field, where, what);
  if (!std::isfinite(value)) fail("{}: {} '{}' is not finite", where, what, field);
  return value;
}

float finite(std::string_view field, const std::string& where, const char* what) {
  return static_cast<float>(finite_double(field, where, what));
}

int parse_label(std::string_view field, const std::string& where) {
  if (field == "0") return 0;
  if (field == "1") return 1;
  fail("{}: label must be 0 or 1, found '{}'", where, field);
}

void check_beta_shape(const NpyArray& beta, std::size_t genes, std::size_t marks, const fs::path& dir) {
  if (beta.shape.size() != 2 || beta.dim(0) != genes || beta.dim(1) != marks)
    fail("{}: shape [{}] but attention_genes.tsv has {} genes and metrics.json {} marks (expected [genes, marks])",
         (dir / "beta.npy").string(), fmt::join(beta.shape, ", "), genes, marks);
}

// A "target" member (absent: a class run's) that must be one of target_names().
std::string target_member(const Json& object, const std::string& where) {
  if (!object.contains("target")) return "class";
  const auto target = string_member(object, "target", where);
  const auto& names = target_names();
  if (std::find(names.begin(), names.end(), target) == names.end())
    fail("{}: \"target\" must be one of {}, found '{}'", where, fmt::join(names, ", "), target);
  return target;
}

// Shortest text of a double that reads back as the same double.
std::string double_text(double value) { return fmt::format("{}", value); }

// A seed of digits is written as the number it is (achrome-train's --seed), anything else as a string.
Json seed_json(const std::string& seed) {
  const bool digits = !seed.empty() && seed.size() <= 20 &&
                      std::all_of(seed.begin(), seed.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    try {
      return Json(static_cast<std::uint64_t>(std::stoull(seed)));
    } catch (const std::out_of_range&) {
    }
  }
  return Json(seed);
}

}  // namespace

std::string float_text(float value) { return fmt::format("{}", value); }

float logit_probability(float logit) { return 1.0f / (1.0f + std::exp(-logit)); }

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names{"class", "regression"};
  return names;
}

// ---- SplitMetrics ----

nlohmann::json split_metrics_json(const SplitMetrics& metrics) {
  if (metrics.regression())
    return {{"pearson", *metrics.pearson}, {"spearman", metrics.spearman.value_or(kNaN)}, {"mse", metrics.loss},
            {"genes", metrics.genes}};
  return {{"auroc", metrics.auroc}, {"aupr", metrics.aupr}, {"loss", metrics.loss}, {"genes", metrics.genes}};
}

SplitMetrics read_split_metrics(const nlohmann::json& object, const std::string& where) {
  SplitMetrics metrics;
  metrics.auroc = number_or_nan(object, "auroc", where);
  metrics.aupr = number_or_nan(object, "aupr", where);
  if (object.is_object() && object.contains("pearson")) {
    metrics.pearson = number_or_nan(object, "pearson", where);
    metrics.spearman = number_or_nan(object, "spearman", where);
    metrics.loss = number_or_nan(object, "mse", where);
  } else {
    metrics.loss = number_or_nan(object, "loss", where);
  }
  metrics.genes = object.contains("genes") ? integer(object, "genes", where) : 0;
  return metrics;
}

// ---- metrics.json ----

void write_metrics_json(const fs::path& path, const RunMetrics& metrics) {
  Json splits;
  for (int s = 0; s < 3; ++s) splits[split_name(static_cast<Split>(s))] = split_metrics_json(metrics.splits[s]);
  Json json = {{"model", metrics.model},
               {"epigenome", metrics.epigenome},
               {"marks", metrics.marks},
               {"target", metrics.target},
               {"best_epoch", metrics.best_epoch},
               {"epochs_run", metrics.epochs_run},
               {"splits", splits}};
  if (metrics.bins > 0) json["bins"] = metrics.bins;
  if (!metrics.seed.empty()) json["seed"] = seed_json(metrics.seed);
  if (!metrics.device.empty()) json["device"] = metrics.device;
  if (metrics.threads > 0) json["threads"] = metrics.threads;
  if (metrics.seconds) json["seconds"] = *metrics.seconds;
  if (metrics.seconds_per_epoch) json["seconds_per_epoch"] = *metrics.seconds_per_epoch;
  if (!metrics.data.is_null()) json["data"] = metrics.data;
  if (!metrics.software.is_null()) json["software"] = metrics.software;
  if (!metrics.hyperparameters.is_null()) json["hyperparameters"] = metrics.hyperparameters;
  write_file_atomic(path, json.dump(2) + "\n");
}

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
  metrics.target = target_member(json, where);
  metrics.best_epoch = integer(json, "best_epoch", where);
  metrics.epochs_run = json.contains("epochs_run") ? integer(json, "epochs_run", where) : 0;
  if (json.contains("seed")) metrics.seed = scalar_text(json["seed"]);
  if (json.contains("device")) metrics.device = scalar_text(json["device"]);
  metrics.threads = json.contains("threads") ? integer(json, "threads", where) : 0;
  metrics.seconds = optional_number(json, "seconds", where);
  metrics.seconds_per_epoch = optional_number(json, "seconds_per_epoch", where);
  const auto& splits = member(json, "splits", where);
  for (int s = 0; s < 3; ++s) {
    const char* name = split_name(static_cast<Split>(s));
    metrics.splits[s] = read_split_metrics(member(splits, name, where + ": splits"), fmt::format("{}: splits.{}", where, name));
    if (metrics.splits[s].regression() != (metrics.target == "regression"))
      fail("{}: splits.{} holds the metrics of a {} run, but \"target\" is {}", where, name,
           metrics.splits[s].regression() ? "regression" : "class", metrics.target);
  }
  if (json.contains("data")) metrics.data = json["data"];
  if (json.contains("software")) metrics.software = json["software"];
  if (json.contains("hyperparameters")) metrics.hyperparameters = json["hyperparameters"];
  return metrics;
}

std::vector<std::pair<std::string, std::string>> provenance_entries(const RunMetrics& metrics) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [section, value] : {std::pair<const char*, const Json*>{"data", &metrics.data},
                                       {"software", &metrics.software},
                                       {"hyperparameters", &metrics.hyperparameters}})
    if (!value->is_null()) flatten(*value, section, entries);
  return entries;
}

// ---- model.json ----

void write_model_json(const fs::path& path, const ModelDescription& model) {
  Json json = {{"model", model.model},
               {"marks", model.marks},
               {"input_transform", model.input_transform},
               {"target", model.target}};
  if (model.bins > 0) json["bins"] = model.bins;
  for (const auto& [size, value] : model.sizes) json[size] = value;
  write_file_atomic(path, json.dump(2) + "\n");
}

ModelDescription read_model_json(const fs::path& path) {
  const Json json = read_json_object(path);
  const std::string where = path.string();
  ModelDescription model;
  model.model = string_member(json, "model", where);
  model.marks = string_list(json, "marks", where);
  if (json.contains("bins")) {
    model.bins = integer(json, "bins", where);
    if (model.bins < 1) fail("{}: \"bins\" must be a positive integer", where);
  }
  if (json.contains("input_transform")) model.input_transform = string_member(json, "input_transform", where);
  model.target = target_member(json, where);
  for (const auto& [key, value] : json.items())
    if (key != "bins" && value.is_number_integer()) model.sizes.emplace(key, value.get<long long>());
  return model;
}

// ---- predictions.tsv ----

void write_predictions_tsv(const fs::path& path, const std::vector<Prediction>& predictions, bool labelled,
                           const std::string& target) {
  AtomicFile out(path);
  auto& stream = out.stream();
  if (target == "regression") {
    // No probability: the output is the predicted log(1 + value) itself.
    stream << (labelled ? "gene_id\tsplit\tlabel\tvalue\ttarget\tprediction\n" : "gene_id\tprediction\n");
    for (const auto& p : predictions) {
      stream << p.gene_id << '\t';
      if (labelled)
        stream << split_name(p.split) << '\t' << p.label << '\t' << double_text(p.value) << '\t'
               << double_text(p.target) << '\t';
      stream << float_text(p.logit) << '\n';
    }
    out.commit();
    return;
  }
  stream << (labelled ? "gene_id\tsplit\tlabel\tlogit\tprobability\n" : "gene_id\tlogit\tprobability\n");
  for (const auto& p : predictions) {
    stream << p.gene_id << '\t';
    if (labelled) stream << split_name(p.split) << '\t' << p.label << '\t';
    stream << float_text(p.logit) << '\t' << float_text(p.probability) << '\n';
  }
  out.commit();
}

std::vector<Prediction> read_predictions_tsv(const fs::path& path, bool labelled, const std::string& target) {
  const bool regression = target == "regression";
  // Both layouts start gene_id[, split, label]; the score columns follow.
  std::vector<std::string_view> columns{"gene_id"};
  if (labelled) columns.insert(columns.end(), {"split", "label"});
  if (regression && labelled) columns.insert(columns.end(), {"value", "target"});
  if (regression)
    columns.push_back("prediction");
  else
    columns.insert(columns.end(), {"logit", "probability"});
  std::vector<Prediction> predictions;
  read_tsv(path, columns, [&](const auto& fields, const std::string& where) {
    Prediction p;
    p.gene_id = std::string(fields[0]);
    std::size_t next = 1;
    if (labelled) {
      p.split = parse_split(fields[1], where);
      p.label = parse_label(fields[2], where);
      next = 3;
    }
    if (regression) {
      if (labelled) {
        p.value = parse_double(fields[3], where, "value");
        p.target = finite_double(fields[4], where, "target");  // a double, as written
        next = 5;
      }
      p.logit = finite(fields[next], where, "prediction");
    } else {
      p.logit = finite(fields[next], where, "logit");
      p.probability = finite(fields[next + 1], where, "probability");
    }
    predictions.push_back(std::move(p));
  });
  return predictions;
}

// ---- history.tsv ----

namespace {
std::vector<std::string_view> history_columns(const std::string& target) {
  if (target == "regression")
    return {"epoch", "train_loss", "train_pearson", "valid_loss", "valid_pearson", "test_pearson", "seconds"};
  return {"epoch", "train_loss", "train_auroc", "valid_loss", "valid_auroc", "test_auroc", "seconds"};
}
}  // namespace

void write_history_tsv(const fs::path& path, const std::vector<EpochRecord>& history, const std::string& target) {
  AtomicFile out(path);
  auto& stream = out.stream();
  stream << fmt::format("{}\n", fmt::join(history_columns(target), "\t"));
  for (const auto& r : history)
    stream << fmt::format("{}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.3f}\n", r.epoch, r.train_loss, r.train_auroc,
                          r.valid_loss, r.valid_auroc, r.test_auroc, r.seconds);
  out.commit();
}

std::vector<EpochRecord> read_history_tsv(const fs::path& path, const std::string& target) {
  std::vector<EpochRecord> history;
  const auto columns = history_columns(target);
  read_tsv(path, columns,
           [&](const auto& fields, const std::string& where) {
             EpochRecord r;
             const auto epoch = parse_int(fields[0], where, "epoch");
             if (epoch < 1 || epoch > std::numeric_limits<int>::max())
               fail("{}: epoch must be a positive integer, found '{}'", where, fields[0]);
             r.epoch = static_cast<int>(epoch);
             r.train_loss = parse_double(fields[1], where, "train_loss");
             // A regression's r is nan for an epoch that predicted one value for every gene.
             r.train_auroc = parse_double(fields[2], where, columns[2]);
             r.valid_loss = parse_double(fields[3], where, "valid_loss");
             r.valid_auroc = parse_double(fields[4], where, columns[4]);
             r.test_auroc = parse_double(fields[5], where, columns[5]);
             r.seconds = parse_double(fields[6], where, "seconds");
             history.push_back(r);
           });
  return history;
}

// ---- attention_genes.tsv ----

void write_attention_genes_tsv(const fs::path& path, const std::vector<AttentionGene>& genes) {
  const auto with_strand = std::count_if(genes.begin(), genes.end(), [](const AttentionGene& g) { return g.strand != 0; });
  const bool strands = with_strand > 0;
  if (strands && static_cast<std::size_t>(with_strand) != genes.size())
    fail("{}: {} of {} genes have no strand (all or none must)", path.string(), genes.size() - with_strand,
         genes.size());
  AtomicFile out(path);
  auto& stream = out.stream();
  stream << (strands ? "gene_id\tlabel\tlogit\tprobability\tstrand\n" : "gene_id\tlabel\tlogit\tprobability\n");
  for (const auto& g : genes) {
    stream << g.gene_id << '\t' << g.label << '\t' << float_text(g.logit) << '\t' << float_text(g.probability);
    if (strands) stream << '\t' << g.strand;
    stream << '\n';
  }
  out.commit();
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

// ---- the run folder ----

const std::vector<std::string>& run_folder_files() {
  static const std::vector<std::string> files{"model.pt",     "model.json", "metrics.json", "predictions.tsv",
                                              "history.tsv",  "alpha.npy",  "beta.npy",     "attention_genes.tsv",
                                              "saliency.npy", "options.yaml", "geometry.json"};
  return files;
}

void write_run_folder(const fs::path& dir, const RunFolder& run) {
  if (run.model) write_model_json(dir / "model.json", *run.model);
  if (run.predictions) write_predictions_tsv(dir / "predictions.tsv", *run.predictions, true, run.metrics.target);
  if (run.history) write_history_tsv(dir / "history.tsv", *run.history, run.metrics.target);
  if (run.attention) {
    write_npy(dir / "alpha.npy", run.attention->alpha);
    if (run.attention->beta) write_npy(dir / "beta.npy", *run.attention->beta);
  }
  if (run.saliency) write_npy(dir / "saliency.npy", *run.saliency);
  if (run.attention || run.saliency || !run.genes.empty())
    write_attention_genes_tsv(dir / "attention_genes.tsv", run.genes);
  if (run.geometry) write_geometry(dir / "geometry.json", *run.geometry);
  write_metrics_json(dir / "metrics.json", run.metrics);
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
  if (fs::exists(dir / "model.json")) run.model = read_model_json(dir / "model.json");
  const auto& target = run.metrics.target;
  if (run.model && run.model->target != target)
    fail("{}: \"target\" is {}, but metrics.json's is {}", (dir / "model.json").string(), run.model->target, target);
  if (fs::exists(dir / "predictions.tsv")) run.predictions = read_predictions_tsv(dir / "predictions.tsv", true, target);
  else missing("predictions.tsv");
  if (fs::exists(dir / "history.tsv")) run.history = read_history_tsv(dir / "history.tsv", target);
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
  // The run's bins: metrics.json's, else model.json's (older runs); 0 when neither says.
  const long long bins = run.metrics.bins > 0 ? run.metrics.bins : run.model ? run.model->bins : 0;
  const char* bins_source = run.metrics.bins > 0 || bins <= 0 ? "metrics.json" : "model.json";
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
           bins > 0 ? std::to_string(bins) : "any", bins_source);
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
           bins_source);
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

// ---- achrome-predict's metrics.json ----

void write_prediction_metrics_json(const fs::path& path, const PredictionMetrics& metrics) {
  Json json = {{"model", metrics.model},
               {"weights", metrics.weights},
               {"genes", metrics.genes},
               {"labels", metrics.labels},
               {"target", metrics.target},
               {"all", split_metrics_json(metrics.all)}};
  for (int s = 0; s < 3; ++s)
    if (metrics.splits[s]) json["splits"][split_name(static_cast<Split>(s))] = split_metrics_json(*metrics.splits[s]);
  write_file_atomic(path, json.dump(2) + "\n");
}

PredictionMetrics read_prediction_metrics_json(const fs::path& path) {
  const Json json = read_json_object(path, "is this an output folder of achrome-predict with --labels?");
  const std::string where = path.string();
  PredictionMetrics metrics;
  metrics.model = string_member(json, "model", where);
  metrics.weights = string_member(json, "weights", where);
  metrics.genes = string_member(json, "genes", where);
  metrics.labels = string_member(json, "labels", where);
  metrics.target = target_member(json, where);
  metrics.all = read_split_metrics(member(json, "all", where), where + ": all");
  if (json.contains("splits")) {
    const auto& splits = json["splits"];
    if (!splits.is_object()) fail("{}: \"splits\" must be an object", where);
    for (int s = 0; s < 3; ++s) {
      const char* name = split_name(static_cast<Split>(s));
      if (splits.contains(name)) metrics.splits[s] = read_split_metrics(splits[name], fmt::format("{}: splits.{}", where, name));
    }
  }
  return metrics;
}

}  // namespace achrome
