// achrome-export: a study in our own files (genes.tsv, {mark}.npy, labels.tsv) out as the published
// DeepChrome/AttentiveChrome layout: train.csv, valid.csv, test.csv.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "annotation/genes.hpp"
#include "dataset/labels.hpp"
#include "dataset/published_layout.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"
#include "util/stage.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {

// import.json is optional: it only tells the line-ending style of the files imported, which the
// numbers cannot. Without it the published style is written (LF, final newline).
void read_styles(const fs::path& record_path, TextStyle styles[3]) {
  if (!fs::exists(record_path)) return;
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(read_text_file(record_path));
  } catch (const nlohmann::json::exception& error) {
    fail("{}: not valid JSON: {}", record_path.string(), error.what());
  }
  if (!record.contains("files") || record.value("layout", "") != "deepchrome") return;
  for (std::size_t s = 0; s < 3; ++s) {
    const char* split = split_name(kPublishedSplits[s]);
    if (!record["files"].contains(split)) continue;
    const auto& entry = record["files"][split];
    const std::string ending = entry.value("line_ending", "LF");
    if (ending != "LF" && ending != "CRLF")
      fail("{}: files.{}.line_ending must be LF or CRLF, found '{}'", record_path.string(), split, ending);
    styles[s].crlf = ending == "CRLF";
    styles[s].final_newline = entry.value("final_newline", true);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Stage stage("achrome-export",
              "Write a study (genes.tsv, {mark}.npy [genes, bins], labels.tsv) as the published DeepChrome/\n"
              "AttentiveChrome layout: train.csv, valid.csv, test.csv, rows GeneID,Bin,marks...,Label with\n"
              "1-based bins, no header. GeneID = gene_id without version and without its ENSG00000 prefix.\n"
              "Genes go to the file of their split in genes.tsv order; genes without a label are left out.\n"
              "Integral values print as integers; other values print with the fewest digits that read back\n"
              "to the same float32 (with a warning). After achrome-import the files come back byte for byte.");
  auto& app = stage.app();
  std::string input, out, genes_path, labels_path;
  std::string layout = "deepchrome";
  std::vector<std::string> marks = published_marks();
  app.add_option("--layout", layout, "Output layout (deepchrome only)")
      ->check(CLI::IsMember({"deepchrome"}))
      ->capture_default_str();
  app.add_option("-i,--input", input,
                 "Folder with genes.tsv, {mark}.npy per mark, labels.tsv (and import.json, if it came from\n"
                 "achrome-import: its line-ending style is reproduced)")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("-o,--out", out, "Output folder for train.csv, valid.csv, test.csv (created if needed)")->required();
  app.add_option("--marks", marks, "Marks to write, in column order; each is read from {input}/{mark}.npy")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--genes", genes_path, "genes.tsv to use instead of {input}/genes.tsv")->check(CLI::ExistingFile);
  app.add_option("--labels", labels_path, "labels.tsv to use instead of {input}/labels.tsv")->check(CLI::ExistingFile);

  return stage.run(argc, argv, [&] {
    if (marks.empty()) fail("--marks: at least one mark is needed");
    const fs::path in_dir(input);
    if (genes_path.empty()) genes_path = (in_dir / "genes.tsv").string();
    if (labels_path.empty()) labels_path = (in_dir / "labels.tsv").string();
    std::vector<PathArg> inputs{{"--genes", genes_path}, {"--labels", labels_path}, {"import.json", in_dir / "import.json"}};
    for (const auto& mark : marks) inputs.push_back({"--marks " + mark, in_dir / (mark + ".npy")});
    std::vector<PathArg> outputs;
    for (const Split split : kPublishedSplits) outputs.push_back({"--out", fs::path(out) / deepchrome_file_name(split)});
    refuse_outputs_over_inputs(inputs, outputs);

    StudyMatrices study;
    study.genes = read_genes_tsv(genes_path);
    study.labels = read_labels_tsv(labels_path);
    study.marks = marks;
    for (const auto& mark : marks) {
      const fs::path path = in_dir / (mark + ".npy");
      auto array = read_npy(path);
      if (array.shape.size() != 2 || array.dim(0) != study.genes.size())
        fail("{}: shape must be [{} genes, bins] to match {}, found {} dimensions{}", path.string(),
             study.genes.size(), genes_path, array.shape.size(),
             array.shape.empty() ? "" : fmt::format(" with {} rows", array.dim(0)));
      if (study.matrices.empty()) {
        study.bins = array.dim(1);
      } else if (array.dim(1) != study.bins) {
        fail("{}: {} bins, but {}.npy has {}", path.string(), array.dim(1), marks.front(), study.bins);
      }
      study.matrices.push_back(std::move(array.data));
    }

    TextStyle styles[3];
    read_styles(in_dir / "import.json", styles);
    const auto exported = export_deepchrome(study, styles);
    if (exported.not_integral)
      spdlog::warn("some values are not integral (not read counts): they are written with decimals, which the "
                   "published loaders read but which is not the published format");
    if (exported.unlabelled > 0)
      spdlog::info("{} of {} genes have no label in {} and are left out", exported.unlabelled, study.genes.size(),
                   labels_path);

    // All three files are built before any is committed: a failure leaves no partial layout behind.
    const fs::path out_dir(out);
    std::vector<std::unique_ptr<AtomicFile>> files;
    for (std::size_t s = 0; s < 3; ++s) {
      if (exported.split_genes[s] == 0)
        spdlog::warn("no genes in split {}: {} is empty", split_name(kPublishedSplits[s]),
                     deepchrome_file_name(kPublishedSplits[s]));
      files.push_back(std::make_unique<AtomicFile>(out_dir / deepchrome_file_name(kPublishedSplits[s])));
      files.back()->stream() << exported.text[s];
    }
    for (auto& file : files) file->commit();
    spdlog::info("{} / {} / {} genes (train / valid / test) x {} bins x {} marks written to {}",
                 exported.split_genes[0], exported.split_genes[1], exported.split_genes[2], study.bins, marks.size(),
                 out_dir.string());
  });
}
