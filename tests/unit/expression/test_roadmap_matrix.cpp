#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expression/expression.hpp"
#include "expression/roadmap_matrix.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;
using achrome::Error;
using ::testing::HasSubstr;

namespace {

const fs::path kRoadmapMatrix = fs::path(ACHROME_DATA) / "roadmap/57epigenomes.RPKM.pc.gz";

class RoadmapMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("achrome-expr-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    return path;
  }
  std::string error_of(const fs::path& path, const std::string& epigenome) {
    try {
      achrome::read_roadmap_matrix(path, epigenome);
    } catch (const Error& error) {
      return error.what();
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(RoadmapMatrixTest, ReadsOneColumnAndAcceptsTheTrailingTabOfThePublishedFile) {
  const auto path = write("m.tsv", "gene_id\tE003\tE005\nENSG1\t1.5\t2.5\t\nENSG2\t0\t7\t\n");
  const auto table = achrome::read_roadmap_matrix(path, "E005");
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.sample(), "E005");
  EXPECT_DOUBLE_EQ(*table.find("ENSG1"), 2.5);
  EXPECT_DOUBLE_EQ(*table.find("ENSG2"), 7.0);
  EXPECT_FALSE(table.find("ENSG3").has_value());
  EXPECT_EQ(achrome::roadmap_matrix_samples(path), (std::vector<std::string>{"E003", "E005"}));
}

TEST_F(RoadmapMatrixTest, MatchesIdsWithoutTheirVersionOnBothSides) {
  const auto path = write("m.tsv", "gene_id\tE003\nENSG00000000003.14\t4\nENSG00000000005\t5\n");
  const auto table = achrome::read_roadmap_matrix(path, "E003");
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000000003.10"), 4.0);
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000000003"), 4.0);
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000000005.2"), 5.0);
}

TEST_F(RoadmapMatrixTest, UnknownEpigenomeListsTheAvailableOnes) {
  const auto path = write("m.tsv", "gene_id\tE003\tE128\nENSG1\t1\t2\n");
  const auto message = error_of(path, "E999");
  EXPECT_THAT(message, HasSubstr("E999"));
  EXPECT_THAT(message, HasSubstr("available: E003 E128"));
}

TEST_F(RoadmapMatrixTest, NonNumericValueNamesFileLineAndColumn) {
  const auto path = write("m.tsv", "gene_id\tE003\tE005\nENSG1\t1\t2\nENSG2\t3\tn/a\n");
  const auto message = error_of(path, "E005");
  EXPECT_THAT(message, HasSubstr(path.string() + ":3"));
  EXPECT_THAT(message, HasSubstr("E005"));
  EXPECT_THAT(message, HasSubstr("'n/a'"));
  // A bad value in a column not asked for does not matter.
  EXPECT_NO_THROW(achrome::read_roadmap_matrix(path, "E003"));
  const auto nan = write("nan.tsv", "gene_id\tE003\nENSG1\tnan\n");
  EXPECT_THAT(error_of(nan, "E003"), HasSubstr("not a finite number"));
}

TEST_F(RoadmapMatrixTest, RepeatedGeneIdIsAnErrorAlsoAcrossVersions) {
  const auto plain = write("dup.tsv", "gene_id\tE003\nENSG1\t1\nENSG2\t1\nENSG1\t2\n");
  EXPECT_THAT(error_of(plain, "E003"), HasSubstr(plain.string() + ":4: gene id 'ENSG1' repeats (first at " +
                                                 plain.string() + ":2"));
  const auto versions = write("ver.tsv", "gene_id\tE003\nENSG1.1\t1\nENSG1.2\t2\n");
  EXPECT_THAT(error_of(versions, "E003"), HasSubstr("repeats"));
}

TEST_F(RoadmapMatrixTest, WrongFieldCountAndEmptyFilesAreErrors) {
  EXPECT_THAT(error_of(write("short.tsv", "gene_id\tE003\tE005\nENSG1\t1\n"), "E003"),
              HasSubstr(":2: expected 3 tab-separated fields"));
  EXPECT_THAT(error_of(write("empty.tsv", ""), "E003"), HasSubstr("empty file"));
  EXPECT_THAT(error_of(write("header.tsv", "gene_id\tE003\n"), "E003"), HasSubstr("no gene rows"));
  EXPECT_THAT(error_of(dir_ / "missing.tsv", "E003"), HasSubstr("missing.tsv"));
}

TEST(RoadmapMatrixReal, ReadsThePublishedGzipMatrix) {
  const auto samples = achrome::roadmap_matrix_samples(kRoadmapMatrix);
  ASSERT_EQ(samples.size(), 57u);  // E000 + the 56 epigenomes of the paper
  EXPECT_EQ(samples.front(), "E000");
  EXPECT_EQ(samples.back(), "E128");
  const auto table = achrome::read_expression(kRoadmapMatrix, achrome::parse_expression_format("roadmap"), "E003");
  EXPECT_EQ(table.size(), 19795u);
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000000003.10"), 43.985);  // row 2 of the file
  EXPECT_DOUBLE_EQ(*table.find("ENSG00000000005"), 1.642);
  EXPECT_THROW(achrome::parse_expression_format("salmon-ish"), Error);
}

}  // namespace
