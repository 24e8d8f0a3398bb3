#include "train/trainer.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include <spdlog/spdlog.h>

#include "metrics/classification.hpp"
#include "metrics/regression.hpp"
#include "train/adam.hpp"
#include "train/checkpoint.hpp"
#include "util/error.hpp"

namespace achrome {

namespace {

std::vector<float> to_vector(const torch::Tensor& tensor) {
  const auto cpu = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()};
}

torch::Tensor rows_tensor(const std::vector<std::size_t>& rows) {
  std::vector<int64_t> indices(rows.begin(), rows.end());
  return torch::tensor(indices, torch::kLong);
}

template <typename T>
std::vector<T> select(const std::vector<T>& values, const std::vector<std::size_t>& rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (auto row : rows) out.push_back(values[row]);
  return out;
}

void require_both_classes(const std::vector<int>& labels, Split split) {
  if (labels.empty()) fail("the {} split has no genes", split_name(split));
  std::size_t positives = 0;
  for (int label : labels) positives += label == 1;
  if (positives == 0 || positives == labels.size())
    fail("the {} split has only label-{} genes ({}); AUROC is undefined", split_name(split), positives ? 1 : 0,
         labels.size());
}

// Pearson r needs two genes and a spread of values in every split.
void require_spread(const std::vector<double>& targets, Split split) {
  if (targets.size() < 2)
    fail("the {} split has {} genes; Pearson r needs at least 2", split_name(split), targets.size());
  if (std::all_of(targets.begin(), targets.end(), [&](double t) { return t == targets.front(); }))
    fail("the {} split's {} genes all have the value {}; Pearson r is undefined", split_name(split), targets.size(),
         std::expm1(targets.front()));
}

// An epoch whose score is undefined (a regression model predicting one value for every gene has no r)
// ranks below every epoch with one; a finite number, so that the checkpoint's JSON keeps it.
constexpr double kUndefinedScore = -2;

double selection_score(double score) { return std::isnan(score) ? kUndefinedScore : score; }

// All parameters of a model, and their gradients, as views into one contiguous buffer each, so that
// the per-batch bookkeeping of training (zeroing the gradients, clipping their norm, Adam's update)
// is a handful of tensor operations instead of a handful per parameter tensor (~56 of them, where the
// per-operation overhead cost more than the arithmetic). Adam and clipping are element-wise apart
// from the norm, so running Adam (LibTorch's arithmetic in one pass, train/adam.hpp) and
// clip_grad_norm_ on the flat buffer is the same algorithm; only the norm's summation order differs
// (float rounding).
struct FlatParameters {
  torch::Tensor values;     // [P], the model's parameters are views into it
  torch::Tensor gradients;  // [P], the parameters' .grad() are views into it
  torch::Tensor handle;     // a leaf that shares `values` and whose .grad() is `gradients`: what Adam steps
};

FlatParameters flatten_parameters(ExpressionModel& model) {
  auto parameters = model->parameters();
  int64_t total = 0;
  for (const auto& parameter : parameters) total += parameter.numel();
  const auto options = parameters.front().options().requires_grad(false);
  FlatParameters flat;
  flat.values = torch::empty({total}, options);
  flat.gradients = torch::zeros({total}, options);
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& parameter : parameters) {
    const int64_t n = parameter.numel();
    auto value = flat.values.narrow(0, offset, n).view(parameter.sizes());
    value.copy_(parameter.detach());
    parameter.set_data(value);
    // A defined gradient is accumulated into in place by autograd (not replaced), so it stays a view.
    parameter.mutable_grad() = flat.gradients.narrow(0, offset, n).view(parameter.sizes());
    offset += n;
  }
  flat.handle = flat.values.detach().requires_grad_(true);
  flat.handle.mutable_grad() = flat.gradients;
  return flat;
}

// A learning rate far too high moves every weight by about the learning rate in the first Adam step;
// from then on the losses and scores are NaN, infinite or astronomically large, and nothing later
// (AUROC, model selection) means anything. Stop at the first such number, naming the epoch and the
// likely cause.
//
// The BCE loss of a model that guesses is ln 2; a mean batch loss of a million means its logits are
// around a million on the wrong side, which no training that converges passes through. The same
// holds for the squared error of a regression on log(1 + RPKM), whose targets lie within about 0 to 12.
constexpr double kDivergedLoss = 1e6;

[[noreturn]] void diverged(int epoch, const std::string& what, double learning_rate) {
  fail("epoch {}: {}; the learning rate {} is likely too high, try a lower --lr", epoch, what, learning_rate);
}

void require_finite_scores(const torch::Tensor& logits, int epoch, const char* split, double learning_rate) {
  // Counted in a loop over the values: as tensor operations (isfinite, not, sum, item) the check cost
  // more per training batch than the batch's output layer.
  const auto values = logits.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const float* data = values.data_ptr<float>();
  int64_t bad = 0;
  for (int64_t i = 0; i < values.numel(); ++i) bad += !std::isfinite(data[i]);
  if (bad > 0)
    diverged(epoch, fmt::format("{} scores are not finite ({} of {} genes)", split, bad, logits.numel()),
             learning_rate);
}

// index_select(0, rows) of a contiguous CPU tensor as one copy per row: a training batch is 16 rows,
// where ATen's general indexing cost more than the copying (3% of a cnn-attn epoch).
torch::Tensor gather_rows(const torch::Tensor& source, const torch::Tensor& rows) {
  if (!source.device().is_cpu() || !source.is_contiguous() || !rows.device().is_cpu() ||
      rows.scalar_type() != torch::kLong || !rows.is_contiguous() || source.dim() < 1)
    return source.index_select(0, rows);
  auto sizes = source.sizes().vec();
  sizes[0] = rows.numel();
  auto out = torch::empty(sizes, source.options());
  const int64_t row_bytes =
      source.size(0) == 0 ? 0 : source.numel() / source.size(0) * static_cast<int64_t>(source.element_size());
  const auto* from = static_cast<const char*>(source.data_ptr());
  auto* to = static_cast<char*>(out.data_ptr());
  const int64_t* index = rows.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows.numel(); ++i) {
    TORCH_CHECK(index[i] >= 0 && index[i] < source.size(0), "gather_rows: row ", index[i], " out of range");
    std::memcpy(to + i * row_bytes, from + index[i] * row_bytes, static_cast<size_t>(row_bytes));
  }
  return out;
}

}  // namespace

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      fail("--device {}: CUDA is not available (this LibTorch build or machine has no usable GPU); use --device cpu",
           name);
    try {
      return torch::Device(name);
    } catch (const std::exception&) {
      fail("--device {}: expected cuda or cuda:N", name);
    }
  }
  fail("--device {}: expected cpu or cuda", name);
}

void configure_cpu(int threads) {
  torch::set_num_threads(threads);
  // OpenBLAS (the BLAS of Debian's LibTorch) runs its own thread pool whose idle workers spin on
  // sched_yield: next to LibTorch's OpenMP threads on few cores they steal the CPU the work needs
  // (at --threads 1 its spare worker took half the samples of a profile). The matrices here are
  // small, so BLAS gets one thread and parallelism comes from LibTorch. Looked up at run time
  // because other BLAS builds have no such function.
  using SetThreads = void (*)(int);
  if (auto set_blas_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
  // Every training batch allocates and frees the same multi-megabyte activation buffers. glibc's
  // defaults map such blocks fresh from the kernel and hand them back on free, so each batch paid
  // page faults and page zeroing (~15% of an epoch); keep them in the heap instead.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

const std::vector<std::string>& input_transform_names() {
  static const std::vector<std::string> names{"raw", "log1p"};
  return names;
}

void transform_inputs(const std::string& transform, float* values, std::size_t count,
                      const std::function<std::string(std::size_t)>& describe) {
  if (transform == "raw") return;
  if (transform != "log1p") fail("--input-transform {}: expected one of raw, log1p", transform);
  for (std::size_t i = 0; i < count; ++i) {
    if (values[i] <= -1.0f)
      fail("{} is {}, where log1p is undefined (--input-transform log1p needs values above -1)", describe(i),
           values[i]);
    values[i] = std::log1p(values[i]);
  }
}

torch::Tensor inputs_tensor(const TrainingSet& data) {
  return torch::from_blob(const_cast<float*>(data.inputs.data()),
                          {static_cast<int64_t>(data.genes()), static_cast<int64_t>(data.bins),
                           static_cast<int64_t>(data.marks.size())},
                          torch::kFloat32)
      .clone();
}

Scores score_genes(ExpressionModel model, const torch::Tensor& inputs, torch::Device device, int batch_size,
                   bool attention) {
  model->eval();
  const int64_t genes = inputs.size(0);
  // On the CPU the batches are scored in parallel, one per thread: a whole forward pass per task
  // parallelises far better than the small per-bin operations inside one. The batch count is
  // rounded up to a multiple of the thread count so that the threads finish together.
  const int64_t workers = device.is_cpu() ? std::max(1, at::get_num_threads()) : 1;
  int64_t batches = std::max<int64_t>(1, (genes + batch_size - 1) / batch_size);
  batches = (batches + workers - 1) / workers * workers;
  const int64_t per_batch = std::max<int64_t>(1, (genes + batches - 1) / batches);
  batches = (genes + per_batch - 1) / per_batch;
  std::vector<torch::Tensor> logits(batches), alphas(batches), betas(batches);
  auto score = [&](int64_t first, int64_t last) {
    torch::NoGradGuard no_grad;  // thread-local: set in every worker
    for (int64_t index = first; index < last; ++index) {
      const int64_t start = index * per_batch;
      const auto batch = inputs.narrow(0, start, std::min<int64_t>(per_batch, genes - start)).to(device);
      auto out = model->forward(batch);
      logits[index] = out.logits.to(torch::kCPU);
      if (attention && out.alpha.defined()) alphas[index] = out.alpha.to(torch::kCPU);
      if (attention && out.beta.defined()) betas[index] = out.beta.to(torch::kCPU);
    }
  };
  if (workers > 1 && batches > 1)
    at::parallel_for(0, batches, 1, score);
  else
    score(0, batches);
  Scores scores;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  scores.logits = logits.empty() ? torch::empty({0}, options) : torch::cat(logits);
  if (attention && genes == 0) {
    // No batch said which attention the model has: one blank gene does, its rows cut to none.
    torch::NoGradGuard no_grad;
    const auto out = model->forward(torch::zeros({1, inputs.size(1), inputs.size(2)}, options).to(device));
    if (out.alpha.defined()) scores.alpha = out.alpha.to(torch::kCPU).narrow(0, 0, 0);
    if (out.beta.defined()) scores.beta = out.beta.to(torch::kCPU).narrow(0, 0, 0);
  } else if (attention) {
    if (alphas.front().defined()) scores.alpha = torch::cat(alphas);
    if (betas.front().defined()) scores.beta = torch::cat(betas);
  }
  return scores;
}

SplitMetrics split_metrics(const torch::Tensor& logits, const std::vector<int>& labels) {
  SplitMetrics metrics;
  metrics.genes = labels.size();
  const auto scores = to_vector(logits);
  std::vector<float> targets(labels.begin(), labels.end());
  metrics.loss = torch::binary_cross_entropy_with_logits(logits.to(torch::kCPU).to(torch::kFloat64),
                                                         torch::tensor(targets, torch::kFloat64))
                     .item<double>();
  metrics.auroc = auroc(scores, labels);
  metrics.aupr = average_precision(scores, labels);
  return metrics;
}

SplitMetrics regression_metrics(const torch::Tensor& predictions, const std::vector<double>& targets) {
  SplitMetrics metrics;
  metrics.auroc = metrics.aupr = std::numeric_limits<double>::quiet_NaN();  // a regression has no classes
  metrics.genes = targets.size();
  const auto scores = to_vector(predictions);
  const std::vector<double> predicted(scores.begin(), scores.end());
  metrics.loss = mean_squared_error(predicted, targets);
  metrics.pearson = pearson(predicted, targets);
  metrics.spearman = spearman(predicted, targets);
  return metrics;
}

SplitMetrics target_metrics(const std::string& target, const torch::Tensor& outputs, const std::vector<int>& labels,
                            const std::vector<double>& targets) {
  return target == "regression" ? regression_metrics(outputs, targets) : split_metrics(outputs, labels);
}

std::vector<double> regression_targets(const TrainingSet& data, const std::string& labels_file) {
  if (data.values.size() != data.genes()) fail("{}: {} values for {} genes", labels_file, data.values.size(), data.genes());
  bool only_labels = true;
  for (std::size_t i = 0; i < data.genes() && only_labels; ++i)
    only_labels = data.values[i] == static_cast<double>(data.labels[i]);
  if (only_labels)
    fail("{}: every value is the gene's 0/1 label, no expression (as achrome-import writes for the published data); "
         "--target regression needs the expression values that achrome-label writes",
         labels_file);
  std::vector<double> targets;
  targets.reserve(data.genes());
  for (std::size_t i = 0; i < data.genes(); ++i) {
    const double value = data.values[i];
    if (!(value > -1.0) || !std::isfinite(value))
      fail("{}: gene {}: value {}, where log(1 + value) is undefined (--target regression predicts log(1 + value) "
           "of an expression such as RPKM)",
           labels_file, data.gene_ids[i], value);
    targets.push_back(std::log1p(value));
  }
  return targets;
}

TrainResult train_model(const TrainingSet& data, const TrainOptions& options,
                        const std::function<void(const EpochRecord&)>& on_epoch) {
  TrainCallbacks callbacks;
  callbacks.epoch = on_epoch;
  return train_model(data, options, callbacks, Checkpointing{});
}

TrainResult train_model(const TrainingSet& data, const TrainOptions& options, const TrainCallbacks& callbacks,
                        const Checkpointing& checkpointing) {
  if (options.epochs < 1) fail("--epochs must be at least 1");
  if (options.batch_size < 1) fail("--batch-size must be at least 1");
  if (!(options.learning_rate > 0)) fail("--lr must be positive");
  const auto device = parse_device(options.device);
  const bool regression = options.target == "regression";
  if (!regression && options.target != "class") fail("--target {}: expected class or regression", options.target);

  const auto train_rows = data.rows(Split::Train);
  const auto valid_rows = data.rows(Split::Valid);
  const auto test_rows = data.rows(Split::Test);
  const auto train_labels = select(data.labels, train_rows);
  const auto valid_labels = select(data.labels, valid_rows);
  const auto test_labels = select(data.labels, test_rows);
  // Regression fits log(1 + value); the labels are then only carried along.
  const auto targets = regression ? regression_targets(data, "the labels") : std::vector<double>{};
  const auto train_values = regression ? select(targets, train_rows) : std::vector<double>{};
  const auto valid_values = regression ? select(targets, valid_rows) : std::vector<double>{};
  const auto test_values = regression ? select(targets, test_rows) : std::vector<double>{};
  if (regression) {
    require_spread(train_values, Split::Train);
    require_spread(valid_values, Split::Valid);
    require_spread(test_values, Split::Test);
  } else {
    require_both_classes(train_labels, Split::Train);
    require_both_classes(valid_labels, Split::Valid);
    require_both_classes(test_labels, Split::Test);
  }

  // The seed fixes the initial weights and every epoch's shuffle.
  torch::manual_seed(options.seed);
  // Constructed initialised (AttentiveChrome: the published U(-0.1, 0.1)), from the seeded generator.
  auto model = make_model(options.model, static_cast<int64_t>(data.marks.size()), static_cast<int64_t>(data.bins),
                          options.model_sizes);
  model->to(device);

  const auto all_inputs = inputs_tensor(data);
  const auto train_inputs = all_inputs.index_select(0, rows_tensor(train_rows)).to(device);
  const auto train_targets =
      (regression ? torch::tensor(std::vector<float>(train_values.begin(), train_values.end()), torch::kFloat32)
                  : torch::tensor(std::vector<float>(train_labels.begin(), train_labels.end()), torch::kFloat32))
          .to(device);
  const auto valid_inputs = all_inputs.index_select(0, rows_tensor(valid_rows));
  const auto test_inputs = all_inputs.index_select(0, rows_tensor(test_rows));

  auto flat = flatten_parameters(model);
  torch::optim::Adam optimizer({flat.handle}, torch::optim::AdamOptions(options.learning_rate));

  TrainResult result;
  torch::Tensor best_parameters;
  TrainProgress progress;
  const int64_t n_train = static_cast<int64_t>(train_rows.size());
  const int64_t batches_per_epoch = (n_train + options.batch_size - 1) / options.batch_size;

  // Everything the loop carries from one epoch to the next comes back from the checkpoint: the
  // weights, Adam's moments and step count, the generator that draws the next shuffle (and dropout),
  // the best epoch so far and the patience count.
  if (auto saved = load_checkpoint(checkpointing, flat.values.numel())) {
    torch::NoGradGuard no_grad;
    flat.values.copy_(saved->parameters.to(flat.values.device()));
    best_parameters = saved->best_parameters.to(flat.values.device());
    optimizer.load(saved->optimizer);
    set_cpu_generator_state(saved->generator_state);
    progress = std::move(saved->progress);
    result.history = progress.history;
    result.epochs_run = progress.epoch;
    result.best_epoch = progress.best_epoch;
    spdlog::info("resuming from epoch {} of {}", progress.epoch, checkpointing.shown);
  }
  const auto stopped_early = [&] {
    return options.patience > 0 && progress.epochs_since_improvement >= options.patience;
  };

  for (int epoch = progress.epoch + 1; epoch <= options.epochs && !stopped_early(); ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    model->train();
    const auto order = torch::randperm(n_train, torch::TensorOptions().dtype(torch::kLong)).to(device);
    std::vector<float> epoch_scores;
    std::vector<int> epoch_labels;
    std::vector<double> epoch_predictions, epoch_targets;
    epoch_scores.reserve(train_rows.size());
    epoch_labels.reserve(train_rows.size());
    double loss_sum = 0;
    int batches = 0;
    for (int64_t start = 0; start < n_train; start += options.batch_size) {
      const auto batch_rows = order.narrow(0, start, std::min<int64_t>(options.batch_size, n_train - start));
      const auto batch_inputs = gather_rows(train_inputs, batch_rows);
      const auto batch_targets = gather_rows(train_targets, batch_rows);
      // Zeroed in place (not set to none, as newer LibTorch's zero_grad does): the parameters' gradients
      // must stay views of the flat buffer that Adam and the clipping read.
      flat.gradients.zero_();
      const auto out = model->forward(batch_inputs);
      const auto loss = regression ? torch::mse_loss(out.logits, batch_targets)
                                   : torch::binary_cross_entropy_with_logits(out.logits, batch_targets);
      loss.backward();
      // clip_grad_norm_ and LibTorch's Adam in one pass over the parameters (train/adam.hpp).
      adam_step(optimizer, clip_coefficient(flat.gradients, options.clip_norm));

      const double batch_loss = loss.item<double>();
      if (!std::isfinite(batch_loss))
        diverged(epoch, fmt::format("training loss is not finite ({})", batch_loss), options.learning_rate);
      if (batch_loss > kDivergedLoss)
        diverged(epoch, fmt::format("training loss is {:.3g}, the weights have diverged", batch_loss),
                 options.learning_rate);
      require_finite_scores(out.logits.detach(), epoch, "training", options.learning_rate);
      loss_sum += batch_loss;
      ++batches;
      const auto logits = to_vector(out.logits);
      const auto targets = to_vector(batch_targets);
      if (regression) {
        epoch_predictions.insert(epoch_predictions.end(), logits.begin(), logits.end());
        epoch_targets.insert(epoch_targets.end(), targets.begin(), targets.end());
      } else {
        epoch_scores.insert(epoch_scores.end(), logits.begin(), logits.end());
        for (float target : targets) epoch_labels.push_back(target > 0.5f ? 1 : 0);
      }
      if (callbacks.batch) callbacks.batch(epoch, batches, batches_per_epoch);
    }

    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = loss_sum / batches;
    record.train_auroc = regression ? pearson(epoch_predictions, epoch_targets) : auroc(epoch_scores, epoch_labels);
    const auto valid_logits = score_genes(model, valid_inputs, device, options.eval_batch_size, false).logits;
    require_finite_scores(valid_logits, epoch, "validation", options.learning_rate);
    const auto test_logits = score_genes(model, test_inputs, device, options.eval_batch_size, false).logits;
    require_finite_scores(test_logits, epoch, "test", options.learning_rate);
    const auto valid = target_metrics(options.target, valid_logits, valid_labels, valid_values);
    const auto test = target_metrics(options.target, test_logits, test_labels, test_values);
    record.valid_loss = valid.loss;
    record.valid_auroc = valid.score();
    record.test_auroc = test.score();
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.history.push_back(record);
    result.epochs_run = epoch;

    // Selected on the score (AUROC, or Pearson r), not the loss: the number the run is judged by.
    const double score = selection_score(valid.score());
    const bool first = progress.best_epoch == 0;
    const bool improved = first || score > progress.best_valid_auroc;
    if (first || score >= progress.best_valid_auroc) {  // train.py keeps the later epoch on a tie
      progress.best_valid_auroc = score;
      progress.best_epoch = epoch;
      result.best_epoch = epoch;
      best_parameters = flat.values.clone();
    }
    progress.epochs_since_improvement = improved ? 0 : progress.epochs_since_improvement + 1;
    progress.epoch = epoch;
    progress.history.push_back(record);
    if (!checkpointing.path.empty()) save_checkpoint(checkpointing, progress, flat.values, best_parameters, optimizer);
    if (callbacks.epoch) callbacks.epoch(record);
  }

  {
    torch::NoGradGuard no_grad;
    flat.values.copy_(best_parameters);
  }
  model->to(torch::kCPU);
  model->eval();
  result.model = model;
  return result;
}

}  // namespace achrome
