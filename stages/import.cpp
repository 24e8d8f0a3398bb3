// achrome-import: the published DeepChrome/AttentiveChrome data set (or its DeepDiff variant) in,
// a study in our own files out: genes.tsv, one {mark}.npy per mark, labels.tsv, import.json.
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "annotation/genes.hpp"
#include "dataset/labels.hpp"
#include "dataset/published_layout.hpp"
#include "signal/bin_geometry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/npy.hpp"
#include "util/stage.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {

nlohmann::json style_json(const TextStyle& style) {
  return {{"line_ending", style.crlf ? "CRLF" : "LF"}, {"final_newline", style.final_newline}};
}

// Coordinates are not part of the published files; take them from a genes.tsv when given.
void apply_annotation(std::vector<Gene>& genes, const std::string& annotation_path, bool keep_names) {
  const auto annotation = read_genes_tsv(annotation_path);
  std::unordered_map<std::string, const Gene*> by_id;
  for (const auto& gene : annotation) by_id.emplace(strip_version(gene.id), &gene);
  std::size_t missing = 0;
  for (auto& gene : genes) {
    const auto it = by_id.find(strip_version(gene.id));
    if (it == by_id.end()) {
      ++missing;
      continue;
    }
    gene.chrom = it->second->chrom;
    gene.tss = it->second->tss;
    gene.strand = it->second->strand;
    if (!keep_names) gene.name = it->second->name;
  }
  if (missing > 0)
    spdlog::warn("{} of {} genes are not in {}: they keep chrom '.', tss 0, strand '+'", missing, genes.size(),
                 annotation_path);
}

void check_marks(const std::vector<std::string>& marks) {
  if (marks.empty()) fail("--marks: at least one mark is needed");
  for (std::size_t i = 0; i < marks.size(); ++i) {
    if (marks[i].empty() || marks[i].find_first_of("/\\") != std::string::npos)
      fail("--marks: '{}' cannot name a file", marks[i]);
    for (std::size_t j = 0; j < i; ++j)
      if (marks[i] == marks[j]) fail("--marks: {} is given twice", marks[i]);
  }
}

// Every file is written in full under its temporary name before the first is moved into place, so a
// failed import leaves nothing behind, and a study never mixes files of two imports.
// Each matrix gets its geometry sidecar, naming the genes.tsv written beside it.
void write_study(const fs::path& out, const StudyMatrices& study, const nlohmann::json& record, BinGeometry geometry) {
  AtomicFileSet files;
  const auto genes_tsv = files.add(out / "genes.tsv");
  write_genes_tsv(genes_tsv, study.genes);
  geometry.genes = describe_hashed_file(genes_tsv, "genes.tsv", study.genes.size());
  geometry.genes->path = (out / "genes.tsv").string();
  for (std::size_t m = 0; m < study.marks.size(); ++m) {
    const auto npy = out / (study.marks[m] + ".npy");
    write_npy(files.add(npy), study.matrices[m].data(), {study.genes.size(), study.bins});
    write_geometry(files.add(geometry_sidecar(npy)), geometry);
  }
  if (!study.labels.empty()) write_labels_tsv(files.add(out / "labels.tsv"), study.labels);
  write_file_atomic(files.add(out / "import.json"), record.dump(2) + "\n");
  files.commit();
}

}  // namespace

int main(int argc, char** argv) {
  Stage stage("achrome-import",
              "Import the published DeepChrome/AttentiveChrome data (Zenodo 2652278: train.csv, valid.csv,\n"
              "test.csv per epigenome) or a DeepDiff file into genes.tsv, {mark}.npy [genes, bins] and labels.tsv.\n"
              "labels.tsv 'value' holds the 0/1 label itself: the published files carry no expression value.\n"
              "import.json records the source, counts, checksums and the line-ending style that achrome-export\n"
              "needs to write the files back byte for byte.");
  auto& app = stage.app();
  std::string layout = "deepchrome";
  std::string input, out, annotation, labels_path;
  std::vector<std::string> marks = published_marks();
  std::size_t bins = 0;
  std::int64_t upstream = -1, downstream = -1;
  std::string orientation = "genomic";
  app.add_option("--layout", layout,
                 "deepchrome: a folder with train/valid/test.csv, rows GeneID,Bin,marks...,Label (100 bins);\n"
                 "deepdiff: one file, rows ENSG_SYMBOL_bin,marks... (200 bins, no labels)")
      ->check(CLI::IsMember({"deepchrome", "deepdiff"}))
      ->capture_default_str();
  app.add_option("-i,--input", input, "deepchrome: the epigenome's folder; deepdiff: the .csv file")
      ->required()
      ->check(CLI::ExistingPath);
  app.add_option("-o,--out", out, "Output folder (created if needed)")->required();
  app.add_option("--marks", marks, "Names of the mark columns, in file order (also the .npy file names)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--bins", bins, "Bins per gene (default: 100 for deepchrome, 200 for deepdiff)");
  app.add_option("--upstream", upstream,
                 "Bases upstream of the TSS the bins cover, for the geometry sidecars (default: half the bins x 100 bp, "
                 "the published 5,000 for 100 bins)")
      ->check(non_negative());
  app.add_option("--downstream", downstream, "Bases downstream of the TSS the bins cover (default: as --upstream)")
      ->check(non_negative());
  app.add_option("--orientation", orientation,
                 "Column order of minus-strand genes in the files: genomic (the published data) or transcript")
      ->check(CLI::IsMember({"genomic", "transcript"}))
      ->capture_default_str();
  app.add_option("--annotation", annotation,
                 "genes.tsv giving chrom/tss/strand (and for deepchrome the name), matched by unversioned\n"
                 "gene id; without it genes get chrom '.', tss 0, strand '+'")
      ->check(CLI::ExistingFile);
  app.add_option("--labels", labels_path,
                 "deepdiff only: a labels.tsv (gene_id value label split) to attach, matched by unversioned id")
      ->check(CLI::ExistingFile);

  return stage.run(argc, argv, [&] {
    check_marks(marks);
    const fs::path out_dir(out);
    std::vector<PathArg> inputs{{"--annotation", annotation}, {"--labels", labels_path}, {"--input", input}};
    if (layout == "deepchrome")
      for (const Split split : kPublishedSplits) inputs.push_back({"--input", fs::path(input) / deepchrome_file_name(split)});
    std::vector<PathArg> outputs{{"--out", out_dir / "genes.tsv"}, {"--out", out_dir / "labels.tsv"}, {"--out", out_dir / "import.json"}};
    for (const auto& mark : marks) {
      outputs.push_back({"--out", out_dir / (mark + ".npy")});
      outputs.push_back({"--out", geometry_sidecar(out_dir / (mark + ".npy"))});
    }
    refuse_outputs_over_inputs(inputs, outputs);
    nlohmann::json record;
    record["layout"] = layout;
    record["source"] = fs::absolute(input).lexically_normal().string();
    record["marks"] = marks;
    StudyMatrices study;

    if (layout == "deepchrome") {
      if (!labels_path.empty()) fail("--labels: the deepchrome layout carries its own labels");
      if (!fs::is_directory(input)) fail("{}: --layout deepchrome expects a folder with train.csv, valid.csv, test.csv", input);
      if (bins == 0) bins = kDeepChromeBins;
      auto imported = import_deepchrome(input, marks, bins);
      study = std::move(imported.study);
      record["bins"] = bins;
      record["genes"] = study.genes.size();
      record["labels_value"] = "the published 0/1 label (the published files carry no expression value)";
      record["gene_id"] = "ENSG00000 + GeneID when GeneID is all digits, else GeneID";
      for (std::size_t s = 0; s < 3; ++s) {
        const Split split = kPublishedSplits[s];
        const fs::path file = fs::path(input) / deepchrome_file_name(split);
        auto entry = style_json(imported.styles[s]);
        entry["file"] = deepchrome_file_name(split);
        entry["genes"] = imported.split_genes[s];
        entry["rows"] = imported.split_genes[s] * bins;
        entry["md5"] = md5_file(file);
        record["files"][split_name(split)] = entry;
        spdlog::info("{}: {} genes ({} line endings{})", file.string(), imported.split_genes[s],
                     imported.styles[s].crlf ? "CRLF" : "LF",
                     imported.styles[s].final_newline ? "" : ", no final newline");
      }
      if (!annotation.empty()) apply_annotation(study.genes, annotation, false);
    } else {
      if (fs::is_directory(input)) fail("{}: --layout deepdiff expects one .csv file", input);
      if (bins == 0) bins = kDeepDiffBins;
      const auto table = read_deepdiff_csv(input, marks, bins);
      study.marks = marks;
      study.bins = bins;
      study.matrices.assign(marks.size(), std::vector<float>(table.genes() * bins));
      for (std::size_t g = 0; g < table.genes(); ++g) {
        Gene gene;
        gene.id = table.gene_ids[g];
        gene.name = table.names[g];
        gene.chrom = ".";
        study.genes.push_back(gene);
        for (std::size_t b = 0; b < bins; ++b)
          for (std::size_t m = 0; m < marks.size(); ++m) study.matrices[m][g * bins + b] = table.value(g, b, m);
      }
      if (!annotation.empty()) apply_annotation(study.genes, annotation, true);
      record["bins"] = bins;
      record["genes"] = study.genes.size();
      auto entry = style_json(table.style);
      entry["file"] = fs::path(input).filename().string();
      entry["md5"] = md5_file(input);
      record["files"]["input"] = entry;
      if (labels_path.empty()) {
        spdlog::info("the deepdiff layout has no labels: labels.tsv not written (give --labels to attach some)");
        record["labels"] = nullptr;
      } else {
        // Keep the label file's rows that name an imported gene, in genes.tsv order.
        const auto rows = read_labels_tsv(labels_path);
        std::unordered_map<std::string, const LabelRow*> by_id;
        for (const auto& row : rows) by_id.emplace(strip_version(row.gene_id), &row);
        for (const auto& gene : study.genes) {
          const auto it = by_id.find(strip_version(gene.id));
          if (it == by_id.end()) continue;
          LabelRow row = *it->second;
          row.gene_id = gene.id;
          study.labels.push_back(std::move(row));
        }
        if (study.labels.empty()) fail("{}: none of its genes is in {}", labels_path, input);
        spdlog::info("{} of {} genes labelled from {}", study.labels.size(), study.genes.size(), labels_path);
        record["labels"] = {{"file", labels_path}, {"md5", md5_file(labels_path)}, {"genes", study.labels.size()}};
      }
    }

    // The published windows: 100 bins of 100 bp from tss + 1 - 5,000, genomic order (docs/formats.md).
    WindowSpec spec;
    spec.orientation = parse_orientation(orientation);
    const auto half = static_cast<std::int64_t>(study.bins) * 50;
    spec.upstream = upstream >= 0 ? upstream : half;
    spec.downstream = downstream >= 0 ? downstream : (upstream >= 0 ? upstream : half);
    spec.bin_size = spec.length() / static_cast<std::int64_t>(std::max<std::size_t>(study.bins, 1));
    if (spec.bin_size <= 0 || spec.bin_size * static_cast<std::int64_t>(study.bins) != spec.length())
      fail("--upstream {} + --downstream {} is not a whole number of bp for each of the {} bins", spec.upstream,
           spec.downstream, study.bins);
    auto geometry = BinGeometry::of(spec);
    SourceFile source;
    source.path = record["source"].get<std::string>();
    source.format = layout + "-csv";
    geometry.signals.emplace_back("", source);
    write_study(out_dir, study, record, geometry);
    spdlog::info("{} genes x {} bins x {} marks written to {}", study.genes.size(), study.bins, study.marks.size(),
                 out_dir.string());
  });
}
