// Assembling model inputs from genes.tsv, labels.tsv and per-mark [genes, bins] matrices.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "dataset/study.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {

class StudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("achrome-study-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "genes.tsv") << "gene_id\tname\tchrom\ttss\tstrand\n"
                                         "G1\tA\tchr1\t100\t+\nG2\tB\tchr1\t200\t-\nG3\tC\tchr2\t300\t+\n";
    // G2 is unlabelled; labels list G3 before G1.
    std::ofstream(dir_ / "labels.tsv") << "gene_id\tvalue\tlabel\tsplit\nG3\t5.5\t1\ttest\nG1\t0.1\t0\ttrain\n";
    // mark a: value = 10 * gene row + bin; mark b: negative of it.
    std::vector<float> a, b;
    for (int gene = 0; gene < 3; ++gene)
      for (int bin = 0; bin < 4; ++bin) {
        a.push_back(10.0f * gene + bin);
        b.push_back(-(10.0f * gene + bin));
      }
    write_npy(dir_ / "a.npy", a.data(), {3, 4});
    write_npy(dir_ / "b.npy", b.data(), {3, 4});
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

}  // namespace

TEST_F(StudyTest, StacksMarksInFlagOrderFollowingTheLabelRows) {
  const auto set = assemble_training_set(dir_ / "genes.tsv", dir_ / "labels.tsv",
                                         {{"b", dir_ / "b.npy"}, {"a", dir_ / "a.npy"}});
  EXPECT_EQ(set.marks, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(set.bins, 4u);
  EXPECT_EQ(set.gene_ids, (std::vector<std::string>{"G3", "G1"}));
  EXPECT_EQ(set.labels, (std::vector<int>{1, 0}));
  EXPECT_EQ(set.splits, (std::vector<Split>{Split::Test, Split::Train}));
  ASSERT_EQ(set.inputs.size(), 2u * 4u * 2u);
  // [gene, bin, mark]: G3 is row 2 of genes.tsv.
  EXPECT_FLOAT_EQ(set.inputs[(0 * 4 + 3) * 2 + 0], -23.0f);
  EXPECT_FLOAT_EQ(set.inputs[(0 * 4 + 3) * 2 + 1], 23.0f);
  EXPECT_FLOAT_EQ(set.inputs[(1 * 4 + 1) * 2 + 1], 1.0f);
  EXPECT_EQ(set.rows(Split::Test), (std::vector<std::size_t>{0}));
  EXPECT_TRUE(set.rows(Split::Valid).empty());
}

TEST_F(StudyTest, ErrorsNameTheFile) {
  write_npy(dir_ / "short.npy", std::vector<float>(8).data(), {2, 4});
  write_npy(dir_ / "wide.npy", std::vector<float>(15).data(), {3, 5});
  const auto genes = dir_ / "genes.tsv", labels = dir_ / "labels.tsv";
  EXPECT_NE(error_of([&] { assemble_training_set(genes, labels, {{"a", dir_ / "a.npy"}, {"s", dir_ / "short.npy"}}); })
                .find("short.npy: 2 rows, but " + genes.string() + " has 3 genes"),
            std::string::npos);
  EXPECT_NE(error_of([&] { assemble_training_set(genes, labels, {{"a", dir_ / "a.npy"}, {"w", dir_ / "wide.npy"}}); })
                .find("wide.npy: 5 bins"),
            std::string::npos);
  EXPECT_NE(error_of([&] { assemble_training_set(genes, labels, {{"a", dir_ / "a.npy"}, {"a", dir_ / "b.npy"}}); })
                .find("mark a is given twice"),
            std::string::npos);
  std::ofstream(dir_ / "unknown.tsv") << "gene_id\tvalue\tlabel\tsplit\nG1\t1\t1\ttrain\nG9\t1\t0\tvalid\n";
  EXPECT_NE(error_of([&] { assemble_training_set(genes, dir_ / "unknown.tsv", {{"a", dir_ / "a.npy"}}); })
                .find("unknown.tsv:3: gene 'G9' is not in"),
            std::string::npos);
}

TEST_F(StudyTest, MarkSpecsAndStackedInputs) {
  const auto spec = parse_mark_spec("H3K4me3=bins/E003/H3K4me3.npy");
  EXPECT_EQ(spec.mark, "H3K4me3");
  EXPECT_EQ(spec.path, fs::path("bins/E003/H3K4me3.npy"));
  EXPECT_THROW(parse_mark_spec("H3K4me3.npy"), Error);
  EXPECT_THROW(parse_mark_spec("=x.npy"), Error);

  std::vector<float> stacked(2 * 3 * 4, 1.0f);
  write_npy(dir_ / "stacked.npy", stacked.data(), {2, 3, 4});
  const auto inputs = read_stacked_inputs(dir_ / "stacked.npy");
  EXPECT_EQ(inputs.genes, 2u);
  EXPECT_EQ(inputs.bins, 3u);
  EXPECT_EQ(inputs.marks, 4u);
  EXPECT_NE(error_of([&] { read_stacked_inputs(dir_ / "a.npy"); }).find("a.npy: expected a stacked input"),
            std::string::npos);
}

TEST_F(StudyTest, NonFiniteValuesNameGeneAndBinCountedFromOne) {
  // docs/formats.md: genes and bins are numbered from 1 in every message.
  std::vector<float> a(3 * 4, 0.0f);
  a[0 * 4 + 2] = std::nanf("");  // G1 (gene 1), third bin
  write_npy(dir_ / "nan.npy", a.data(), {3, 4});
  EXPECT_NE(error_of([&] { assemble_training_set(dir_ / "genes.tsv", dir_ / "labels.tsv", {{"a", dir_ / "nan.npy"}}); })
                .find("nan.npy: gene 1 (G1), bin 3: nan is not finite"),
            std::string::npos);
  std::vector<float> stacked(2 * 3 * 4, 1.0f);
  stacked[(1 * 3 + 2) * 4 + 1] = INFINITY;  // gene 2, bin 3, mark 2
  write_npy(dir_ / "inf.npy", stacked.data(), {2, 3, 4});
  EXPECT_NE(error_of([&] { read_stacked_inputs(dir_ / "inf.npy"); }).find("inf.npy: gene 2, bin 3, mark 2: inf is not finite"),
            std::string::npos);
}
