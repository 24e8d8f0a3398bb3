#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>

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

namespace {

// The pid of a process that has exited and been reaped: no live process has it (until the kernel
// hands it out again, which takes a full cycle of the pid space).
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

void touch(const fs::path& path) { std::ofstream(path) << "x"; }

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

fs::path fresh_folder(const std::string& name) {
  const auto dir = scratch(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

// A killed run leaves `.NAME.tmpPID`; the next writer of NAME removes it once that pid is gone, and
// keeps the temporaries of live processes, of other names and of other patterns.
TEST(AtomicFile, RemovesStaleTemporariesOfDeadProcesses) {
  const auto dir = fresh_folder("stale");
  const auto dead = std::to_string(dead_pid());
  touch(dir / (".out.txt.tmp" + dead));
  fs::create_directories(dir / (".out.txt.old" + dead));
  touch(dir / (".out.txt.old" + dead) / "model.pt");
  touch(dir / ".out.txt.tmp1");  // pid 1 is always alive
  touch(dir / (".other.txt.tmp" + dead));
  touch(dir / ".out.txt.tmpabc");
  touch(dir / ("out.txt.tmp" + dead));  // not hidden: not ours
  write_file_atomic(dir / "out.txt", "new");
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"out.txt", ".out.txt.tmp1", ".other.txt.tmp" + dead,
                                                  ".out.txt.tmpabc", "out.txt.tmp" + dead}));
}

TEST(AtomicFolder, RemovesStaleTemporaryFolders) {
  const auto dir = fresh_folder("stale-folder");
  const auto dead = std::to_string(dead_pid());
  fs::create_directories(dir / (".run.tmp" + dead));
  touch(dir / (".run.tmp" + dead) / "model.pt");
  AtomicFolder run(dir / "run", {"a.txt"});
  EXPECT_FALSE(fs::exists(dir / (".run.tmp" + dead)));
  EXPECT_TRUE(fs::is_directory(run.path()));
}

TEST(AtomicFolder, ReplacesTheFolderAsAWhole) {
  const auto dir = fresh_folder("folder");
  fs::create_directories(dir / "run");
  touch(dir / "run" / "a.txt");
  touch(dir / "run" / "b.txt");
  {
    AtomicFolder run(dir / "run", {"a.txt", "b.txt"});
    write_file_atomic(run.path() / "a.txt", "new");
    EXPECT_EQ(names_in(dir / "run"), (std::set<std::string>{"a.txt", "b.txt"}));  // old one untouched meanwhile
  }  // not committed: the old folder stays as it was, the temporary goes
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"run"}));
  EXPECT_EQ(names_in(dir / "run"), (std::set<std::string>{"a.txt", "b.txt"}));
  {
    AtomicFolder run(dir / "run/", {"a.txt", "b.txt"});
    write_file_atomic(run.path() / "a.txt", "new");
    run.commit();
  }
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"run"}));
  EXPECT_EQ(names_in(dir / "run"), (std::set<std::string>{"a.txt"}));  // b.txt was the old run's
}

TEST(AtomicFolder, RefusesWhatItCannotReplaceBeforeAnyWork) {
  const auto dir = fresh_folder("folder-refused");
  fs::create_directories(dir / "results");
  touch(dir / "results" / "genes.tsv");
  EXPECT_THROW(AtomicFolder(dir / "results", {"a.txt"}), Error);  // would delete genes.tsv
  EXPECT_TRUE(fs::exists(dir / "results" / "genes.tsv"));
  touch(dir / "file");
  EXPECT_THROW(AtomicFolder(dir / "file", {"a.txt"}), Error);        // not a folder
  EXPECT_THROW(AtomicFolder(dir / "file" / "run", {"a.txt"}), Error);  // parent is a file
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"results", "file"}));
}

TEST(AtomicFileSet, CommitsAllOrNothing) {
  const auto dir = fresh_folder("set");
  touch(dir / "old.tsv");
  {
    AtomicFileSet files;
    write_file_atomic(files.add(dir / "old.tsv"), "new");
    write_file_atomic(files.add(dir / "sub" / "b.json"), "{}");
    EXPECT_THROW(files.add(dir / "sub" / ".." / "old.tsv"), Error);  // the same output twice
  }  // not committed
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"old.tsv", "sub"}));
  EXPECT_TRUE(names_in(dir / "sub").empty());
  std::ifstream old(dir / "old.tsv");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(old), {}), "x");
  {
    AtomicFileSet files;
    files.add(dir / "a.tsv");  // never written
    write_file_atomic(files.add(dir / "b.tsv"), "b");
    EXPECT_THROW(files.commit(), Error);
  }
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"old.tsv", "sub"}));
  AtomicFileSet files;
  write_file_atomic(files.add(dir / "a.tsv"), "a");
  write_file_atomic(files.add(dir / "sub" / "b.tsv"), "b");
  files.commit();
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"old.tsv", "sub", "a.tsv"}));
  EXPECT_EQ(names_in(dir / "sub"), (std::set<std::string>{"b.tsv"}));
}

// SIGTERM (a scheduler's kill) and SIGINT (Ctrl-C) remove the temporaries of the process, files and
// folders, and still end it by that signal.
TEST(AtomicFile, SignalRemovesTemporariesAndStillKills) {
  for (int signal_number : {SIGTERM, SIGINT}) {
    const auto dir = fresh_folder("signal");
    const pid_t child = ::fork();
    if (child == 0) {
      remove_temporaries_on_signals();
      AtomicFile file(dir / "out.txt");
      file.stream() << "half" << std::flush;
      AtomicFolder folder(dir / "run", {"a.txt"});
      AtomicFile inner(folder.path() / "a.txt");
      inner.stream() << "half" << std::flush;
      ::raise(signal_number);
      ::_exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), signal_number);
    }
    EXPECT_TRUE(names_in(dir).empty()) << *names_in(dir).begin();
  }
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
