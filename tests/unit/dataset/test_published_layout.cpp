#include "dataset/published_layout.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.hpp"

using namespace achrome;
using ::testing::HasSubstr;

namespace {

const std::vector<std::string> kTwoMarks{"H3K4me3", "H3K27me3"};

// A gene of the DeepChrome layout with 'bins' rows; values (bin, 10*bin) scaled by 'scale'.
std::string gene_rows(const std::string& id, int label, int bins, int scale = 1, const char* ending = "\n") {
  std::string out;
  for (int b = 1; b <= bins; ++b)
    out += id + "," + std::to_string(b) + "," + std::to_string(b * scale) + "," + std::to_string(10 * b * scale) +
           "," + std::to_string(label) + ending;
  return out;
}

std::string error_of(const std::string& text, std::size_t bins = 3) {
  try {
    parse_deepchrome_csv(text, "train.csv", kTwoMarks, bins);
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

std::string replace_line(std::string text, int line, const std::string& replacement) {
  std::size_t start = 0;
  for (int i = 1; i < line; ++i) start = text.find('\n', start) + 1;
  const auto end = text.find('\n', start);
  return text.replace(start, end - start, replacement);
}

}  // namespace

TEST(PublishedLayout, GeneIdsGainAndLoseTheDroppedPrefix) {
  EXPECT_EQ(gene_id_from_published("000003", "f:1"), "ENSG00000000003");
  EXPECT_EQ(gene_id_from_published("172936", "f:1"), "ENSG00000172936");
  EXPECT_EQ(gene_id_from_published("ENSGS0001", "f:1"), "ENSGS0001");  // not digits: kept as is
  EXPECT_THAT([] { gene_id_from_published("ENSG00000000003", "f:7"); },
              testing::ThrowsMessage<Error>(HasSubstr("f:7: GeneID 'ENSG00000000003'")));
  EXPECT_EQ(published_gene_id("ENSG00000000003"), "000003");
  EXPECT_EQ(published_gene_id("ENSG00000172936.4"), "172936");  // version dropped too
  EXPECT_EQ(published_gene_id("ENSGS0001"), "ENSGS0001");
  EXPECT_EQ(published_gene_id("ENSG00000ABC"), "ENSG00000ABC");
}

TEST(PublishedLayout, CountsMustBeCanonicalExactIntegers) {
  EXPECT_EQ(parse_published_count("0", "w", "m"), 0.0f);
  EXPECT_EQ(parse_published_count("508", "w", "m"), 508.0f);
  EXPECT_EQ(parse_published_count("16777216", "w", "m"), 16777216.0f);
  EXPECT_EQ(parse_published_count("33554432", "w", "m"), 33554432.0f);  // 2^25 is exact
  for (const char* bad : {"", "-1", "+1", "1.0", "1e3", "007", " 1", "x"})
    EXPECT_THAT([&] { parse_published_count(bad, "f.csv:3", "H3K4me3"); },
                testing::ThrowsMessage<Error>(HasSubstr("f.csv:3: H3K4me3:")))
        << bad;
  EXPECT_THAT([] { parse_published_count("16777217", "f.csv:3", "H3K4me3"); },
              testing::ThrowsMessage<Error>(HasSubstr("cannot be held exactly as float32")));
}

TEST(PublishedLayout, ValuesPrintAsPublished) {
  bool not_integral = false;
  std::string out;
  for (float v : {0.0f, -0.0f, 7.0f, 508.0f, 16777216.0f, 1e20f}) {
    append_published_value(out, v, &not_integral, "w");
    out += ';';
  }
  EXPECT_EQ(out, "0;0;7;508;16777216;100000002004087734272;");
  EXPECT_FALSE(not_integral);
  out.clear();
  append_published_value(out, 0.1f, &not_integral, "w");
  EXPECT_EQ(out, "0.1");
  EXPECT_TRUE(not_integral);
  out.clear();
  append_published_value(out, 2.5f, nullptr, "w");
  EXPECT_EQ(out, "2.5");
  EXPECT_THROW(append_published_value(out, std::nanf(""), nullptr, "w"), Error);
}

TEST(PublishedLayout, ParsesAndFormatsByteForByte) {
  const std::string text = gene_rows("000003", 1, 3) + gene_rows("172936", 0, 3, 1000);
  const auto table = parse_deepchrome_csv(text, "train.csv", kTwoMarks, 3);
  ASSERT_EQ(table.genes(), 2u);
  EXPECT_EQ(table.gene_ids[1], "172936");
  EXPECT_EQ(table.labels, (std::vector<int>{1, 0}));
  EXPECT_EQ(table.first_line, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(table.value(1, 2, 1), 30000.0f);  // gene 2, bin 3, second mark
  EXPECT_FALSE(table.style.crlf);
  EXPECT_TRUE(table.style.final_newline);
  bool not_integral = false;
  EXPECT_EQ(format_deepchrome_csv(table, &not_integral), text);
  EXPECT_FALSE(not_integral);
}

TEST(PublishedLayout, KeepsLineEndingStyle) {
  const std::string crlf = gene_rows("000003", 1, 3, 1, "\r\n");
  auto table = parse_deepchrome_csv(crlf, "t.csv", kTwoMarks, 3);
  EXPECT_TRUE(table.style.crlf);
  EXPECT_EQ(format_deepchrome_csv(table, nullptr), crlf);

  std::string unterminated = gene_rows("000003", 1, 3);
  unterminated.pop_back();
  table = parse_deepchrome_csv(unterminated, "t.csv", kTwoMarks, 3);
  EXPECT_FALSE(table.style.final_newline);
  EXPECT_EQ(format_deepchrome_csv(table, nullptr), unterminated);

  std::string mixed = gene_rows("000003", 1, 3);
  mixed.replace(mixed.find('\n'), 1, "\r\n");
  EXPECT_THAT(error_of(mixed), HasSubstr("train.csv:2: line ends with LF but earlier lines end with CRLF"));
}

TEST(PublishedLayout, RejectsBadFilesNamingTheLine) {
  const std::string good = gene_rows("000003", 1, 3) + gene_rows("000005", 0, 3);
  EXPECT_THAT(error_of(""), HasSubstr("train.csv: empty file"));
  EXPECT_THAT(error_of(replace_line(good, 2, "000003,2,1,1")), HasSubstr("train.csv:2: expected 5 comma-separated columns"));
  EXPECT_THAT(error_of(replace_line(good, 5, "000005,2,1.5,1,0")), HasSubstr("train.csv:5: H3K4me3: '1.5' is not a read count"));
  EXPECT_THAT(error_of(replace_line(good, 5, "000005,2,1,-4,0")), HasSubstr("train.csv:5: H3K27me3: '-4'"));
  EXPECT_THAT(error_of(replace_line(good, 2, "000003,3,1,1,1")), HasSubstr("train.csv:2: bin 3 where bin 2 was expected for gene 000003"));
  EXPECT_THAT(error_of(replace_line(good, 4, "000005,2,1,1,0")), HasSubstr("train.csv:4: gene 000005 starts at bin 2"));
  EXPECT_THAT(error_of(replace_line(good, 3, "000003,3,1,1,0")), HasSubstr("train.csv:3: label of gene 000003 changes"));
  EXPECT_THAT(error_of(replace_line(good, 3, "000003,3,1,1,2")), HasSubstr("train.csv:3: Label must be 0 or 1"));
  EXPECT_THAT(error_of(replace_line(good, 3, "000009,3,1,1,1")), HasSubstr("train.csv:3: gene 000003 ends after 2 of 3 bins"));
  EXPECT_THAT(error_of(good + gene_rows("000003", 1, 3)), HasSubstr("train.csv:7: gene 000003 appears a second time (first at line 1)"));
  EXPECT_THAT(error_of(good + "000007,1,0,0,1\n"), HasSubstr("train.csv:7: gene 000007 ends after 1 of 3 bins"));
  EXPECT_THAT(error_of(good + "\n"), HasSubstr("train.csv:7: empty line"));
  EXPECT_EQ(error_of(good), "(no error)");
}

TEST(PublishedLayout, ParsesDeepDiffRows) {
  std::string text;
  for (int b = 1; b <= 4; ++b) text += "ENSG00000000003_TSPAN6_" + std::to_string(b) + ",1,2,3,4," + std::to_string(b) + "\n";
  for (int b = 1; b <= 4; ++b) text += "ENSG00000000005_HLA_A_X_" + std::to_string(b) + ",0,0,0,0,0\n";
  const std::vector<std::string> marks{"a", "b", "c", "d", "e"};
  const auto table = parse_deepdiff_csv(text, "E004.train.csv", marks, 4);
  ASSERT_EQ(table.genes(), 2u);
  EXPECT_EQ(table.gene_ids[0], "ENSG00000000003");
  EXPECT_EQ(table.names[0], "TSPAN6");
  EXPECT_EQ(table.names[1], "HLA_A_X");  // symbols may hold '_'
  EXPECT_EQ(table.value(0, 3, 4), 4.0f);
  EXPECT_TRUE(table.labels.empty());
  EXPECT_THAT([&] { parse_deepdiff_csv(text, "E004.train.csv", marks, 3); },
              testing::ThrowsMessage<Error>(HasSubstr("E004.train.csv:4: gene ENSG00000000003 starts at bin 4")));
  EXPECT_THAT([&] { parse_deepdiff_csv("ENSG1_1,1,2,3,4,5\n", "d.csv", marks, 1); },
              testing::ThrowsMessage<Error>(HasSubstr("d.csv:1: first column 'ENSG1_1' is not ENSG_SYMBOL_bin")));
}

TEST(PublishedLayout, ImportsToyFolderAndExportsItBack) {
  const std::filesystem::path toy = std::filesystem::path(ACHROME_TEST_DATA) / "deepchrome-toy";
  const auto imported = import_deepchrome(toy, published_marks());
  const auto& study = imported.study;
  ASSERT_EQ(study.genes.size(), 30u);
  EXPECT_EQ(study.genes[0].id, "ENSG00000000003");
  EXPECT_EQ(study.genes[10].id, "ENSG00000132963");  // valid.csv follows train.csv
  EXPECT_EQ(study.labels[0].label, 1);
  EXPECT_EQ(study.labels[0].value, 1.0);
  EXPECT_EQ(study.labels[25].split, Split::Test);
  EXPECT_EQ(study.matrices[3][1], 8.0f);  // H3K4me3 of 000003, bin 2
  const auto exported = export_deepchrome(study, imported.styles);
  EXPECT_EQ(exported.unlabelled, 0u);
  for (std::size_t s = 0; s < 3; ++s)
    EXPECT_EQ(exported.text[s], read_text_file(toy / deepchrome_file_name(kPublishedSplits[s]))) << s;
}

TEST(PublishedLayout, RejectsAGeneInTwoFiles) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "published_two_files";
  std::filesystem::create_directories(dir);
  const std::vector<std::string> marks{"a", "b"};
  auto write = [&](const char* name, const std::string& text) { std::ofstream(dir / name, std::ios::binary) << text; };
  write("train.csv", gene_rows("000003", 1, 100) + gene_rows("000005", 0, 100));
  write("valid.csv", gene_rows("000007", 1, 100));
  write("test.csv", gene_rows("000009", 1, 100) + gene_rows("000005", 0, 100));
  EXPECT_THAT([&] { import_deepchrome(dir, marks); },
              testing::ThrowsMessage<Error>(HasSubstr("test.csv:101: gene 000005 is also in " +
                                                      (dir / "train.csv").string() + ":101")));
  std::filesystem::remove_all(dir);
}

TEST(PublishedLayout, ExportLeavesOutUnlabelledGenesAndChecksLabels) {
  StudyMatrices study;
  study.marks = {"a"};
  study.bins = 2;
  for (const char* id : {"ENSG00000000003", "ENSG00000000005", "ENSG00000000007"}) {
    Gene gene;
    gene.id = id;
    study.genes.push_back(gene);
  }
  study.matrices = {{1, 2, 3, 4, 5.5f, 6}};
  study.labels = {{"ENSG00000000007", 3.2, 1, Split::Test}, {"ENSG00000000003", 0.1, 0, Split::Train}};
  const TextStyle styles[3];
  const auto exported = export_deepchrome(study, styles);
  EXPECT_EQ(exported.unlabelled, 1u);
  EXPECT_EQ(exported.text[0], "000003,1,1,0\n000003,2,2,0\n");
  EXPECT_EQ(exported.text[1], "");
  EXPECT_EQ(exported.text[2], "000007,1,5.5,1\n000007,2,6,1\n");
  EXPECT_TRUE(exported.not_integral);
  study.matrices[0][3] = std::nanf("");
  EXPECT_THAT([&] { export_deepchrome(study, styles); },
              testing::ThrowsMessage<Error>(HasSubstr("a.npy: gene 2 (ENSG00000000005), bin 2: nan")));
  study.matrices[0][3] = 4;
  study.labels.push_back({"ENSG00000000099", 1, 1, Split::Test});
  EXPECT_THAT([&] { export_deepchrome(study, styles); },
              testing::ThrowsMessage<Error>(HasSubstr("gene ENSG00000000099 is not in genes.tsv")));
}
