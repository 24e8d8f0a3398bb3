// The geometry sidecar X.npy.json: written and read back, compared across the marks of a model.
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "signal/bin_geometry.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"

namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

class GeometryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("achrome-geometry-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "genes.tsv") << "gene_id\tname\tchrom\ttss\tstrand\nG1\tA\tchr1\t100\t-\n";
    std::ofstream(dir_ / "reads.bam") << "not really a BAM";
  }
  void TearDown() override { fs::remove_all(dir_); }

  achrome::BinGeometry sample() const {
    achrome::WindowSpec spec;
    spec.upstream = 2000;
    spec.downstream = 3000;
    spec.bin_size = 50;
    spec.orientation = achrome::Orientation::Transcript;
    auto geometry = achrome::BinGeometry::of(spec);
    geometry.genes = achrome::describe_hashed_file(dir_ / "genes.tsv", "genes.tsv", 1);
    geometry.signals.emplace_back("", achrome::describe_file(dir_ / "reads.bam", "bam"));
    return geometry;
  }
  std::string error_of(const std::function<void()>& call) {
    try {
      call();
    } catch (const achrome::Error& error) {
      return error.what();
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(GeometryTest, RoundTrip) {
  const auto path = achrome::geometry_sidecar(dir_ / "H3K4me3.npy");
  EXPECT_EQ(path.filename(), "H3K4me3.npy.json");
  achrome::write_geometry(path, sample());
  const auto back = achrome::read_geometry(path);
  EXPECT_EQ(back.difference(sample()), "");
  EXPECT_EQ(back.bins, 100);
  EXPECT_EQ(back.anchor_offset, 1);
  EXPECT_EQ(back.orientation, achrome::Orientation::Transcript);
  ASSERT_TRUE(back.genes);
  EXPECT_EQ(back.genes->md5, achrome::md5_file(dir_ / "genes.tsv"));
  EXPECT_EQ(back.genes->rows, 1u);
  ASSERT_EQ(back.signals.size(), 1u);
  EXPECT_EQ(back.signals[0].second.format, "bam");
  EXPECT_EQ(back.signals[0].second.size, 16u);
  EXPECT_EQ(back.signals[0].second.modified.size(), 20u);  // 2026-12-03T07:00:00Z
  EXPECT_EQ(back.window().length(), 5000);
}

TEST_F(GeometryTest, MalformedSidecarsNameTheFile) {
  const auto path = dir_ / "bad.npy.json";
  std::ofstream(path) << R"({"upstream": 100, "downstream": 100, "bin_size": 30, "bins": 7,
                             "anchor": {"at": "tss", "offset": 1}, "orientation": "genomic"})";
  EXPECT_THAT(error_of([&] { achrome::read_geometry(path); }), HasSubstr("bad.npy.json: upstream 100 + downstream 100"));
  std::ofstream(path) << R"({"upstream": 100, "downstream": 100, "bin_size": 20, "bins": 10,
                             "anchor": {"at": "tss", "offset": 1}, "orientation": "sideways"})";
  EXPECT_THAT(error_of([&] { achrome::read_geometry(path); }), HasSubstr("bad.npy.json: orientation must be"));
  std::ofstream(path) << "{";
  EXPECT_THAT(error_of([&] { achrome::read_geometry(path); }), HasSubstr("bad.npy.json: not valid JSON"));
}

TEST_F(GeometryTest, MarksMustAgree) {
  const auto a = dir_ / "A.npy", b = dir_ / "B.npy";
  achrome::write_geometry(achrome::geometry_sidecar(a), sample());
  auto other = sample();
  other.signals[0].second.path = "other.bam";
  achrome::write_geometry(achrome::geometry_sidecar(b), other);
  const auto common = achrome::marks_geometry({{"A", a}, {"B", b}}, dir_ / "genes.tsv");
  ASSERT_TRUE(common);
  ASSERT_EQ(common->signals.size(), 2u);
  EXPECT_EQ(common->signals[1].first, "B");
  EXPECT_EQ(common->signals[1].second.path, "other.bam");
  EXPECT_EQ(common->signals[1].second.matrix, b.string());  // where a report finds the input again
  // The run folder's geometry.json lists every mark's signal and reads back the same.
  achrome::write_geometry(dir_ / "geometry.json", *common);
  const auto run_geometry = achrome::read_geometry(dir_ / "geometry.json");
  ASSERT_EQ(run_geometry.signals.size(), 2u);
  EXPECT_EQ(run_geometry.signals[0].second.matrix, a.string());

  other.upstream = 1000;
  other.bins = 80;
  achrome::write_geometry(achrome::geometry_sidecar(b), other);
  EXPECT_THAT(error_of([&] { achrome::marks_geometry({{"A", a}, {"B", b}}, dir_ / "genes.tsv"); }),
              HasSubstr("B.npy.json: its bins differ from those of " + achrome::geometry_sidecar(a).string() +
                        " (upstream 2000 vs 1000)"));
  // A matrix binned over another genes.tsv has other rows.
  std::ofstream(dir_ / "genes2.tsv") << "gene_id\tname\tchrom\ttss\tstrand\nG2\tB\tchr1\t100\t+\n";
  EXPECT_THAT(error_of([&] { achrome::marks_geometry({{"A", a}}, dir_ / "genes2.tsv"); }),
              HasSubstr("A.npy.json: the matrix was binned over a genes.tsv with MD5"));
  // Older matrices have no sidecar: allowed, without geometry.
  EXPECT_FALSE(achrome::marks_geometry({{"A", a}, {"C", dir_ / "C.npy"}}, dir_ / "genes.tsv"));
}

}  // namespace
