// achrome-predict: trained weights + a stacked input [genes, bins, marks] in, logits and attention out.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "dataset/study.hpp"
#include "model/attentive_chrome.hpp"
#include "train/trainer.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage("achrome-predict",
                       "Score genes with trained AttentiveChrome weights. Writes OUT/logits.npy [genes],\n"
                       "OUT/alpha.npy [genes, marks, bins] (bin attention) and OUT/beta.npy [genes, marks] (mark attention).");
  auto& app = stage.app();
  std::string model_name = "attentivechrome", weights, input, out, device = "cpu";
  int batch_size = 1024;
  app.add_option("--model", model_name, "Model architecture (only attentivechrome)")
      ->check(CLI::IsMember({"attentivechrome"}))->capture_default_str();
  app.add_option("--weights", weights,
                 "Weights: achrome-train's model.pt or a published-model state_dict saved with torch.save")
      ->required()->check(CLI::ExistingFile);
  app.add_option("--input", input, "float32 .npy [genes, bins, marks] (raw counts, marks in training order)")
      ->required()->check(CLI::ExistingFile);
  app.add_option("-o,--out", out, "Output folder")->required();
  app.add_option("--batch-size", batch_size, "Genes scored per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--device", device, "cpu or cuda (cuda fails if no GPU is usable)")->capture_default_str();

  return stage.run(argc, argv, [&] {
    achrome::configure_cpu(stage.threads());
    const auto torch_device = achrome::parse_device(device);
    auto options = achrome::infer_options_from_state_dict_file(weights);
    const auto inputs = achrome::read_stacked_inputs(input);
    if (static_cast<int64_t>(inputs.marks) != options.marks)
      achrome::fail("{}: {} marks, but the weights in {} are for {} marks", input, inputs.marks, weights, options.marks);
    options.bins = static_cast<int64_t>(inputs.bins);
    achrome::AttentiveChrome model(options);
    achrome::load_state_dict_file(model, weights);
    model->to(torch_device);

    const auto tensor = torch::from_blob(const_cast<float*>(inputs.data.data()),
                                         {static_cast<int64_t>(inputs.genes), static_cast<int64_t>(inputs.bins),
                                          static_cast<int64_t>(inputs.marks)},
                                         torch::kFloat32);
    const auto scores = achrome::score_genes(model, tensor, torch_device, batch_size, true);
    const auto logits = scores.logits.contiguous();
    const auto alpha = scores.alpha.contiguous();
    const auto beta = scores.beta.contiguous();
    const std::filesystem::path dir(out);
    std::filesystem::create_directories(dir);
    achrome::write_npy(dir / "logits.npy", logits.data_ptr<float>(), {inputs.genes});
    achrome::write_npy(dir / "alpha.npy", alpha.data_ptr<float>(), {inputs.genes, inputs.marks, inputs.bins});
    achrome::write_npy(dir / "beta.npy", beta.data_ptr<float>(), {inputs.genes, inputs.marks});
    spdlog::info("{} genes scored, written to {}", inputs.genes, out);
  });
}
