// The Stage frame: readable option validators, exit status 2 for usage errors and 1 for data
// errors, outputs that would replace an input, and silencing libraries' own stderr output.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "util/stage.hpp"

namespace fs = std::filesystem;
using namespace achrome;

namespace {

fs::path scratch_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("achrome-stage-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The message CLI11 gives for "--opt value" through the validator.
std::string refusal(const CLI::Validator& validator, const std::string& value) {
  CLI::App app;
  double number = 0;
  app.add_option("--epochs", number)->check(validator);
  std::vector<std::string> args{value, "--epochs"};  // CLI11 parses a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "accepted";
}

int run_stage(const std::string& name, std::vector<std::string> args, const std::function<void()>& body) {
  Stage stage(name, "test");
  int value = 1;
  stage.app().add_option("--value", value)->check(positive());
  args.insert(args.begin(), name);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return stage.run(static_cast<int>(argv.size()), argv.data(), body);
}

}  // namespace

TEST(Validators, MessagesNameTheOptionAndTheValue) {
  EXPECT_EQ(refusal(positive(), "0"), "--epochs: must be a positive number, got 0");
  EXPECT_EQ(refusal(positive(), "-3"), "--epochs: must be a positive number, got -3");
  EXPECT_EQ(refusal(positive(), "abc"), "--epochs: must be a positive number, got abc");
  EXPECT_EQ(refusal(positive(), "1e-300"), "accepted");
  EXPECT_EQ(refusal(positive(), "nan"), "--epochs: must be a positive number, got nan");
  EXPECT_EQ(refusal(non_negative(), "-1"), "--epochs: must be 0 or a positive number, got -1");
  EXPECT_EQ(refusal(non_negative(), "0"), "accepted");
  EXPECT_EQ(refusal(integer_in(0, 255), "256"), "--epochs: must be a whole number from 0 to 255, got 256");
  EXPECT_EQ(refusal(integer_in(0, 255), "2.5"), "--epochs: must be a whole number from 0 to 255, got 2.5");
  EXPECT_EQ(refusal(integer_in(0, 255), "255"), "accepted");
}

TEST(Stage, UsageErrorsExitTwoDataErrorsOne) {
  int ran = 0;
  EXPECT_EQ(run_stage("achrome-t1", {"--value", "0"}, [&] { ++ran; }), kExitUsage);
  EXPECT_EQ(run_stage("achrome-t2", {"--no-such-option"}, [&] { ++ran; }), kExitUsage);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(run_stage("achrome-t3", {"--value", "2"}, [&] { ++ran; }), 0);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(run_stage("achrome-t4", {}, [] { fail("x.tsv:3: bad"); }), kExitData);
  EXPECT_EQ(run_stage("achrome-t5", {}, [] { usage_fail("--out: bad"); }), kExitUsage);
  EXPECT_EQ(run_stage("achrome-t6", {}, [] { throw std::runtime_error("library"); }), kExitData);
}

TEST(OutputsOverInputs, SameFileUnderAnyNameIsRefused) {
  const auto dir = scratch_dir("paths");
  std::ofstream(dir / "in.bam") << "x";
  fs::create_directories(dir / "sub");
  fs::create_symlink(dir / "in.bam", dir / "link.bam");
  fs::create_hard_link(dir / "in.bam", dir / "hard.bam");
  auto message = [&](const fs::path& out) -> std::string {
    try {
      refuse_outputs_over_inputs({{"--genes", dir / "genes.tsv"}, {"--signal", dir / "in.bam"}}, {{"--out", out}});
    } catch (const UsageError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message(dir / "in.bam"),
            "--out " + (dir / "in.bam").string() +
                " is also the --signal input: writing it would replace what is read; choose another path");
  EXPECT_NE(message(dir / "sub" / ".." / "in.bam"), "accepted");
  EXPECT_NE(message(dir / "link.bam"), "accepted");
  EXPECT_NE(message(dir / "hard.bam"), "accepted");
  EXPECT_NE(message(dir / "genes.tsv"), "accepted");  // inputs that do not exist yet are compared by name
  EXPECT_EQ(message(dir / "out.npy"), "accepted");
  EXPECT_EQ(message(""), "accepted");
  EXPECT_THROW(refuse_outputs_over_inputs({}, {{"--out", dir / "a"}, {"--summary", dir / "sub" / ".." / "a"}}), UsageError);
  EXPECT_NO_THROW(refuse_outputs_over_inputs({{"--tx2gene", ""}}, {{"--out", dir / "a"}, {"--summary", ""}}));
}

TEST(QuietLibraryStderr, HidesLibraryOutputUnlessShown) {
  testing::internal::CaptureStderr();
  std::fprintf(stderr, "before\n");
  {
    const QuietLibraryStderr outer;
    std::fprintf(stderr, "hidden 1\n");
    {
      const QuietLibraryStderr inner;
      std::fprintf(stderr, "hidden 2\n");
    }
    std::fprintf(stderr, "hidden 3\n");
  }
  std::fprintf(stderr, "between\n");
  show_library_stderr(true);
  {
    const QuietLibraryStderr shown;
    std::fprintf(stderr, "shown\n");
  }
  show_library_stderr(false);
  std::fprintf(stderr, "after\n");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "before\nbetween\nshown\nafter\n");
}
