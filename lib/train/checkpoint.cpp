#include "train/checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>
#include <torch/version.h>

#include <limits>
#include <mutex>

#include "achrome/version.hpp"
#include "train/run_folder.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"

namespace achrome {

namespace fs = std::filesystem;

namespace {

// Bumped when the layout of the archive changes: a checkpoint of another layout is then another training.
constexpr int kCheckpointFormat = 1;

nlohmann::json file_identity(const fs::path& path) {
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  return {{"bytes", ec ? 0 : bytes}, {"md5", md5_file(path)}};
}

nlohmann::json record_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},           {"train_loss", r.train_loss}, {"train_auroc", r.train_auroc},
          {"valid_loss", r.valid_loss}, {"valid_auroc", r.valid_auroc}, {"test_auroc", r.test_auroc},
          {"seconds", r.seconds}};
}

// A regression's Pearson r is NaN for an epoch that predicts one value for every gene; JSON writes it
// as null.
double score_from_json(const nlohmann::json& value) {
  return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
}

EpochRecord record_from_json(const nlohmann::json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.train_loss = j.at("train_loss").get<double>();
  r.train_auroc = score_from_json(j.at("train_auroc"));
  r.valid_loss = j.at("valid_loss").get<double>();
  r.valid_auroc = score_from_json(j.at("valid_auroc"));
  r.test_auroc = score_from_json(j.at("test_auroc"));
  r.seconds = j.at("seconds").get<double>();
  return r;
}

// The first fingerprint entry in which two trainings differ, in words for the warning.
std::string first_difference(const nlohmann::json& saved, const nlohmann::json& now) {
  if (!saved.is_object()) return "fingerprint";
  for (const auto& [key, value] : now.items()) {
    if (!saved.contains(key)) return key;
    if (saved.at(key) == value) continue;
    const auto& old = saved.at(key);
    if (value.is_primitive() && old.is_primitive()) return fmt::format("{} ({} there, {} now)", key, old.dump(), value.dump());
    if (key == "data" && value.is_object() && old.is_object())
      for (const auto& [file, identity] : value.items())
        if (!old.contains(file) || old.at(file) != identity) return fmt::format("input data ({})", file);
    return key;
  }
  for (const auto& [key, value] : saved.items())
    if (!now.contains(key)) return key;
  return "fingerprint";
}

}  // namespace

nlohmann::json training_fingerprint(const TrainOptions& options, const RunProvenance& provenance) {
  nlohmann::json marks = nlohmann::json::array();
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& mark : provenance.marks) {
    marks.push_back(mark.mark);
    inputs[mark.mark] = file_identity(mark.path);
  }
  nlohmann::json sizes = nlohmann::json::object();
  for (const auto& [name, value] : options.model_sizes) sizes[name] = value;
  return {
      {"format", kCheckpointFormat},
      {"model", options.model},
      {"target", options.target},
      {"model_sizes", sizes},
      {"marks", marks},
      {"epochs", options.epochs},
      {"batch_size", options.batch_size},
      {"learning_rate", options.learning_rate},
      {"clip_norm", options.clip_norm},
      {"seed", options.seed},
      {"patience", options.patience},
      {"eval_batch_size", options.eval_batch_size},
      {"input_transform", options.input_transform},
      {"device", options.device},
      {"threads", provenance.threads},
      {"achrome", kVersion},
      {"libtorch", TORCH_VERSION},
      {"data",
       {{"genes", file_identity(provenance.genes_tsv)}, {"labels", file_identity(provenance.labels_tsv)}, {"inputs", inputs}}},
  };
}

torch::Tensor cpu_generator_state() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_cpu_generator_state(const torch::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

void save_checkpoint(const Checkpointing& where, const TrainProgress& progress, const torch::Tensor& parameters,
                     const torch::Tensor& best_parameters, const torch::optim::Optimizer& optimizer) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& record : progress.history) history.push_back(record_json(record));
  // JSON numbers are written as the shortest text that reads back as the same double, so the best
  // AUROC and the history come back exactly.
  const nlohmann::json meta = {{"fingerprint", where.fingerprint},
                               {"epoch", progress.epoch},
                               {"best_epoch", progress.best_epoch},
                               {"best_valid_auroc", progress.best_valid_auroc},
                               {"epochs_since_improvement", progress.epochs_since_improvement},
                               {"history", history}};
  torch::serialize::OutputArchive archive;
  archive.write("meta", c10::IValue(meta.dump()));
  archive.write("parameters", parameters.detach().to(torch::kCPU).clone());
  archive.write("best_parameters", best_parameters.detach().to(torch::kCPU).clone());
  archive.write("generator", cpu_generator_state());
  torch::serialize::OutputArchive optimizer_archive;
  optimizer.save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);

  // Serialised in memory first (a few times the size of model.pt): LibTorch's archive writer does not
  // report a failing stream in a way that can be caught, our stream writer names the file and the cause.
  std::string bytes;
  archive.save_to([&bytes](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  write_file_atomic(where.path, bytes);
}

std::optional<SavedTraining> load_checkpoint(const Checkpointing& where, int64_t parameter_count) {
  std::error_code ec;
  if (where.path.empty() || !fs::exists(where.path, ec)) return std::nullopt;
  SavedTraining saved;
  nlohmann::json meta;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(where.path.string(), torch::kCPU);
    c10::IValue text;
    archive.read("meta", text);
    meta = nlohmann::json::parse(text.toStringRef());
    if (!meta.contains("fingerprint") || meta.at("fingerprint") != where.fingerprint) {
      spdlog::warn("{}: saved by another training (it differs in {}); starting from epoch 1, it will be overwritten",
                   where.shown, first_difference(meta.value("fingerprint", nlohmann::json()), where.fingerprint));
      return std::nullopt;
    }
    auto& progress = saved.progress;
    progress.epoch = meta.at("epoch").get<int>();
    progress.best_epoch = meta.at("best_epoch").get<int>();
    progress.best_valid_auroc = meta.at("best_valid_auroc").get<double>();
    progress.epochs_since_improvement = meta.at("epochs_since_improvement").get<int>();
    for (const auto& record : meta.at("history")) progress.history.push_back(record_from_json(record));
    archive.read("parameters", saved.parameters);
    archive.read("best_parameters", saved.best_parameters);
    archive.read("generator", saved.generator_state);
    archive.read("optimizer", saved.optimizer);
  } catch (const std::exception& error) {
    // c10::Error messages carry a C++ backtrace over many lines; the first says what went wrong.
    std::string message = error.what();
    message = message.substr(0, message.find('\n'));
    spdlog::warn("{}: cannot be read ({}); starting from epoch 1, it will be overwritten", where.shown, message);
    return std::nullopt;
  }
  const auto& progress = saved.progress;
  const bool consistent = progress.epoch >= 1 && static_cast<int>(progress.history.size()) == progress.epoch &&
                          progress.best_epoch >= 1 && progress.best_epoch <= progress.epoch &&
                          saved.parameters.numel() == parameter_count &&
                          saved.best_parameters.numel() == parameter_count;
  if (!consistent) {
    spdlog::warn("{}: inconsistent (epoch {}, {} history rows, {} parameters); starting from epoch 1, it will be "
                 "overwritten",
                 where.shown, progress.epoch, progress.history.size(), saved.parameters.numel());
    return std::nullopt;
  }
  return saved;
}

void remove_checkpoint(const Checkpointing& where) {
  if (where.path.empty()) return;
  std::error_code ec;
  fs::remove(where.path, ec);
  if (ec) spdlog::warn("{}: cannot remove the checkpoint of the finished training: {}", where.shown, ec.message());
}

}  // namespace achrome
