// achrome-predict: trained weights + a stacked input [genes, bins, marks] in, logits and attention out.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "dataset/published_layout.hpp"
#include "dataset/study.hpp"
#include "model/attentive_chrome.hpp"
#include "train/trainer.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"
#include "util/stage.hpp"

namespace {

// The weights do not imply a bin count: the LSTMs and attention run over any number of bins. But a
// model scores only the window it was trained on meaningfully, so achrome-train's model.json beside
// the weights (when there is one) is held to: the input must have its bins. Published weights come
// without one; they were trained on 100 bins, and another count is only warned about.
void check_bins(const std::string& weights, int64_t marks, const std::string& input, std::size_t bins) {
  const auto model_json = std::filesystem::path(weights).parent_path() / "model.json";
  if (!std::filesystem::exists(model_json)) {
    if (bins != achrome::kDeepChromeBins)
      spdlog::warn("{}: {} bins, but no model.json beside {} says what the model was trained on (the published "
                   "model: {} bins)",
                   input, bins, weights, achrome::kDeepChromeBins);
    return;
  }
  nlohmann::json json;
  try {
    std::ifstream in(model_json);
    in >> json;
  } catch (const nlohmann::json::exception& error) {
    achrome::fail("{}: not valid JSON: {}", model_json.string(), error.what());
  }
  if (json.contains("marks") && json["marks"].is_array() &&
      static_cast<int64_t>(json["marks"].size()) != marks)
    achrome::fail("{}: {} marks, but {} holds a model for {} marks", model_json.string(), json["marks"].size(),
                  weights, marks);
  if (!json.contains("bins")) return;
  if (!json["bins"].is_number_unsigned()) achrome::fail("{}: \"bins\" must be a positive integer", model_json.string());
  const auto trained = json["bins"].get<std::size_t>();
  if (trained != bins)
    achrome::fail("{}: {} bins, but the model in {} was trained on {} bins ({})", input, bins, weights, trained,
                  model_json.string());
}

// achrome-train's model.json beside the weights names the architecture; --model, when given, must agree.
std::string resolve_model(const std::string& weights, const std::string& flag, bool flag_given) {
  const auto model_json = std::filesystem::path(weights).parent_path() / "model.json";
  std::string recorded;
  if (std::filesystem::exists(model_json)) {
    std::ifstream in(model_json);
    const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.contains("model") && json["model"].is_string()) recorded = json["model"];
  }
  if (recorded.empty()) return flag;
  if (flag_given && recorded != flag)
    achrome::fail("--model {}: but {} says the weights in {} are a {} model", flag, model_json.string(), weights,
                  recorded);
  return recorded;
}

}  // namespace

int main(int argc, char** argv) {
  achrome::Stage stage("achrome-predict",
                       "Score genes with trained weights of one of the paper's models (docs/models.md). Writes\n"
                       "OUT/logits.npy [genes], OUT/saliency.npy [genes, marks, bins] (d logit / d input) and, when the\n"
                       "model has them, OUT/alpha.npy [genes, marks or 1, bins] (bin attention) and OUT/beta.npy\n"
                       "[genes, marks] (mark attention).\n"
                       "OUT is replaced as a whole. When achrome-train's model.json lies beside the weights, the\n"
                       "input must have its bin count.");
  auto& app = stage.app();
  std::string model_name = "attentivechrome", weights, input, out, device = "cpu";
  int batch_size = 1024;
  auto* model_option = app.add_option("--model", model_name,
                                      "Model architecture (docs/models.md); default: model.json's beside the weights, "
                                      "else attentivechrome")
                           ->check(CLI::IsMember(achrome::model_names()))
                           ->capture_default_str();
  app.add_option("--weights", weights,
                 "Weights: achrome-train's model.pt or a published-model state_dict saved with torch.save")
      ->required()->check(CLI::ExistingFile);
  app.add_option("--input", input, "float32 .npy [genes, bins, marks] (raw counts, marks in training order)")
      ->required()->check(CLI::ExistingFile);
  app.add_option("-o,--out", out, "Output folder")->required();
  app.add_option("--batch-size", batch_size, "Genes scored per forward pass")->check(achrome::positive())->capture_default_str();
  app.add_option("--device", device, "cpu or cuda (cuda fails if no GPU is usable)")->capture_default_str();

  return stage.run(argc, argv, [&] {
    const std::filesystem::path out_dir(out);
    achrome::refuse_outputs_over_inputs({{"--weights", weights}, {"--input", input}},
                                        {{"--out", out_dir},
                                         {"--out", out_dir / "logits.npy"},
                                         {"--out", out_dir / "alpha.npy"},
                                         {"--out", out_dir / "beta.npy"},
                                         {"--out", out_dir / "saliency.npy"}});
    achrome::configure_cpu(stage.threads());
    const auto torch_device = achrome::parse_device(device);
    model_name = resolve_model(weights, model_name, model_option->count() > 0);
    const auto shape = achrome::infer_model_shape(model_name, weights);
    const auto inputs = achrome::read_stacked_inputs(input);
    if (static_cast<int64_t>(inputs.marks) != shape.marks)
      achrome::fail("{}: {} marks, but the weights in {} are for {} marks", input, inputs.marks, weights, shape.marks);
    check_bins(weights, shape.marks, input, inputs.bins);
    auto model = achrome::make_model(model_name, shape.marks, static_cast<int64_t>(inputs.bins), shape.sizes);
    achrome::load_state_dict_file(model, weights);
    // NaN or infinite weights (a diverged training, a damaged file) score every gene NaN; say so
    // instead of writing arrays of NaN.
    for (const auto& item : model->named_parameters(/*recurse=*/true)) {
      const auto bad = (~torch::isfinite(item.value())).sum().item<int64_t>();
      if (bad > 0)
        achrome::fail("{}: parameter {} has non-finite values ({} of {})", weights, item.key(), bad,
                      item.value().numel());
    }
    // Created before the scoring so that an output folder that cannot be written fails early; replaced
    // as a whole so that its arrays always come from one run.
    achrome::AtomicFolder out_folder(out, {"logits.npy", "alpha.npy", "beta.npy", "saliency.npy"});
    model->to(torch_device);

    const auto tensor = torch::from_blob(const_cast<float*>(inputs.data.data()),
                                         {static_cast<int64_t>(inputs.genes), static_cast<int64_t>(inputs.bins),
                                          static_cast<int64_t>(inputs.marks)},
                                         torch::kFloat32);
    const auto scores = achrome::score_genes(model, tensor, torch_device, batch_size, true);
    const auto logits = scores.logits.contiguous();
    const auto saliency = achrome::input_saliency(model, tensor, torch_device, batch_size);
    const auto& dir = out_folder.path();
    achrome::write_npy(dir / "logits.npy", logits.data_ptr<float>(), {inputs.genes});
    achrome::write_npy(dir / "saliency.npy", saliency.data_ptr<float>(), {inputs.genes, inputs.marks, inputs.bins});
    // Only the attention the model has (docs/models.md).
    if (scores.alpha.defined()) {
      const auto alpha = scores.alpha.contiguous();
      achrome::write_npy(dir / "alpha.npy", alpha.data_ptr<float>(),
                         {inputs.genes, static_cast<std::size_t>(alpha.size(1)), inputs.bins});
    }
    if (scores.beta.defined()) {
      const auto beta = scores.beta.contiguous();
      achrome::write_npy(dir / "beta.npy", beta.data_ptr<float>(), {inputs.genes, inputs.marks});
    }
    out_folder.commit();
    spdlog::info("{} genes scored, written to {}", inputs.genes, out);
  });
}
