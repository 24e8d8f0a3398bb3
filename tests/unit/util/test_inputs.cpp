// Reading inputs: a cut gzip text names the line it reached; .npy errors name the file and a forged
// shape is refused before any allocation.
#include <gtest/gtest.h>

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/npy.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {

fs::path scratch(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("achrome-inputs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// A .npy whose header is the given dict text (padded as numpy pads it) followed by data bytes.
std::string npy_with_header(const std::string& dict, const std::string& data) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

}  // namespace

TEST(LineReader, TruncatedGzipNamesTheLinesReadBeforeTheDamage) {
  // ~10,000 short lines: less than one 64 kB inflate block survives the cut.
  const auto whole = scratch("whole.txt.gz");
  {
    gzFile out = gzopen(whole.c_str(), "wb");
    for (int i = 0; i < 10000; ++i) gzprintf(out, "%05d\n", i);
    gzclose(out);
  }
  std::string bytes;
  {
    std::ifstream in(whole, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto cut = scratch("cut.txt.gz");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);

  LineReader reader(cut.string());
  std::string_view line;
  std::size_t read = 0;
  const std::string message = error_of([&] {
    while (reader.next(line)) {
      EXPECT_EQ(line, fmt::format("{:05d}", read));
      ++read;
    }
  });
  ASSERT_NE(message.find(cut.string() + ": read error after line " + std::to_string(read) + " ("), std::string::npos)
      << message;
  EXPECT_GT(read, 3000u);
  EXPECT_LT(read, 10000u);

  LineReader intact(whole.string());
  std::size_t lines = 0;
  while (intact.next(line)) ++lines;
  EXPECT_EQ(lines, 10000u);
}

TEST(LineReader, LongLinesCrLfAndNoFinalNewline) {
  const std::string longest(700000, 'x');
  const auto path = scratch("long.txt");
  std::ofstream(path, std::ios::binary) << "a\r\n" << longest << "\n\nlast";
  LineReader reader(path.string());
  std::string_view line;
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line, "a");
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line, longest);
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line, "");
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line, "last");
  EXPECT_EQ(reader.where(), path.string() + ":4");
  EXPECT_FALSE(reader.next(line));
  EXPECT_NE(error_of([&] { LineReader folder(path.parent_path().string()); }).find(": is a folder"), std::string::npos);
}

TEST(Npy, EveryErrorNamesTheFile) {
  const std::string name = "m.npy";
  for (const std::string& bytes :
       {std::string("not numpy"), npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", ""),
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", ""),
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': 7, }", ""),
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", ""),
        npy_with_header("{'descr': '<f4', 'fortran_order': False, }", ""),
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", "short"),
        npy_with_header("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", "ab"),
        npy_with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "abcdefgh"),
        npy_with_header("{'descr'", "")}) {
    const std::string message = error_of([&] { parse_npy(bytes, name); });
    EXPECT_EQ(message.rfind("m.npy: ", 0), 0u) << message;
  }
}

TEST(Npy, ShapeProductOverflowIsAnErrorNotAnAllocation) {
  // 2**40 x 2**40 values wrap to 0 in 64 bits; 2**62 floats would not wrap but cannot be allocated.
  for (const std::string shape : {"(1099511627776, 1099511627776)", "(4611686018427387904,)", "(3, 0, 1099511627776)"}) {
    const auto bytes = npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", "");
    const std::string message = error_of([&] { parse_npy(bytes, "big.npy"); });
    if (shape == "(3, 0, 1099511627776)") {
      EXPECT_EQ(message, "no error");  // an empty array is fine
    } else {
      EXPECT_EQ(message.rfind("big.npy: ", 0), 0u) << message;
    }
  }
  EXPECT_NE(error_of([&] {
              parse_npy(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, "
                                        "1099511627776), }",
                                        ""),
                        "big.npy");
            }).find("more values than can be addressed"),
            std::string::npos);
}
