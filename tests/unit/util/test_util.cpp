#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <htslib/bgzf.h>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/npy.hpp"
#include "util/parse.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {
fs::path scratch(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("achrome-util-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}
}  // namespace

TEST(Npy, RoundTripKeepsShapeAndValues) {
  const std::vector<float> values{0.f, 1.5f, -2.f, 3.25f, 1e-8f, 7.f};
  const auto path = scratch("a.npy");
  write_npy(path, values.data(), {2, 3});
  const auto array = read_npy(path);
  EXPECT_EQ(array.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(array.data, values);
}

TEST(Npy, HeaderIsNumpyV1AlignedTo64Bytes) {
  const float value = 1.f;
  const auto bytes = npy_bytes(&value, {1});
  ASSERT_EQ(bytes.substr(1, 5), "NUMPY");
  const std::size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (1,)"), std::string::npos);  // one-element tuples need the comma
}

TEST(Npy, RejectsTruncatedData) {
  const std::vector<float> values(10, 1.f);
  auto bytes = npy_bytes(values.data(), {10});
  bytes.resize(bytes.size() - 4);
  EXPECT_THROW(parse_npy(bytes, "x.npy"), Error);
  EXPECT_THROW(parse_npy("not numpy", "x.npy"), Error);
}

TEST(AtomicFile, NothingVisibleUntilCommit) {
  const auto path = scratch("atomic.txt");
  fs::remove(path);
  {
    AtomicFile out(path);
    out.stream() << "half";
    EXPECT_FALSE(fs::exists(path));
  }  // destroyed without commit: temporary removed, nothing at the final name
  EXPECT_FALSE(fs::exists(path));
  for (const auto& entry : fs::directory_iterator(path.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".atomic.txt.tmp"), std::string::npos);
  AtomicFile out(path);
  out.stream() << "whole";
  out.commit();
  std::ifstream in(path);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "whole");
}

TEST(LineReader, ReadsGzipAndCountsLines) {
  const auto path = scratch("lines.txt.gz");
  BGZF* out = bgzf_open(path.c_str(), "w");
  ASSERT_NE(out, nullptr);
  const std::string text = "a\tb\r\nsecond\n\nlast";
  ASSERT_EQ(bgzf_write(out, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  bgzf_close(out);
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string> lines;
  while (reader.next(line)) lines.emplace_back(line);
  EXPECT_EQ(lines, (std::vector<std::string>{"a\tb", "second", "", "last"}));
  EXPECT_EQ(reader.line_number(), 4u);
}

TEST(LineReader, MissingFileNamesThePath) {
  try {
    LineReader reader("/nonexistent/genes.tsv");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/genes.tsv"), std::string::npos);
  }
}

TEST(Parse, StrictNumbers) {
  EXPECT_EQ(*to_int("42"), 42);
  EXPECT_FALSE(to_int("42x"));
  EXPECT_FALSE(to_int(""));
  EXPECT_DOUBLE_EQ(*to_double("1e-3"), 1e-3);
  EXPECT_FALSE(to_double("1.0.0"));
  EXPECT_THROW(parse_double("n/a", "f.tsv:3", "E003"), Error);
}

TEST(Split, KeepsEmptyFields) {
  EXPECT_EQ(split("a\t\tb", '\t').size(), 3u);
  EXPECT_EQ(split("", '\t').size(), 1u);
}
