#pragma once
// Outputs are written under a temporary name in the destination folder and renamed into place
// only when complete, so a killed or failed job never leaves a file that looks finished
// (Snakemake and users both judge completion by the file existing).
//
// The temporary name of NAME is `.NAME.tmpPID`. Every live temporary path is kept in a process-wide
// registry so that SIGINT/SIGTERM/SIGHUP can remove them before the process dies (see
// remove_temporaries_on_signals), and creating one first removes the `.NAME.tmp<pid>` siblings that
// a killed earlier run left behind (their pid is no longer a live process).
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace achrome {

class AtomicFile {
 public:
  // Creates the parent folder if needed. Nothing is written until stream() or temp_path() is used.
  explicit AtomicFile(std::filesystem::path final_path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary file unless commit() succeeded

  // A binary ofstream on the temporary file, opened on first use.
  std::ofstream& stream();
  // For libraries that open the file themselves (htslib, libBigWig): write here, then commit().
  const std::filesystem::path& temp_path() const { return temp_path_; }
  const std::filesystem::path& final_path() const { return final_path_; }

  // Flushes, checks the stream, renames to the final name. Throws achrome::Error on failure.
  void commit();

 private:
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  std::unique_ptr<std::ofstream> stream_;
  int registration_ = -1;  // slot of temp_path_ in the registry the signal handlers clean
  bool committed_ = false;
};

// Convenience: write a whole text/binary payload atomically.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Several files that must appear together or not at all (a labels file and its summary; the files
// of an import). Each add() gives the temporary path to write the file to, with any writer that
// takes a path; commit() renames them all into place, and if one rename fails removes those already
// renamed. Destroyed without commit(), every temporary is removed and no final name is touched.
class AtomicFileSet {
 public:
  AtomicFileSet() = default;
  AtomicFileSet(const AtomicFileSet&) = delete;
  AtomicFileSet& operator=(const AtomicFileSet&) = delete;
  ~AtomicFileSet();

  // Creates the parent folder if needed (Error if it cannot). Error if final_path was added before.
  std::filesystem::path add(const std::filesystem::path& final_path);
  void commit();

 private:
  struct Entry {
    std::filesystem::path final_path;
    std::filesystem::path temp_path;
    int registration = -1;
  };
  std::vector<Entry> entries_;
  bool committed_ = false;
};

// A folder of outputs that is replaced as a whole (a run folder): everything is written into the
// temporary sibling `.NAME.tmpPID/` (path()), and commit() swaps it for the old folder, so the
// folder at the final name is always either the old one or the new one, never a mix.
class AtomicFolder {
 public:
  // Creates the temporary folder at once, so an output that cannot be written fails here, before
  // any work. Error if final_path exists and is not a folder, or holds an entry whose name is not in
  // `contents` (nor a temporary of this scheme): replacing it would delete files that are not ours.
  AtomicFolder(std::filesystem::path final_path, std::vector<std::string> contents);
  AtomicFolder(const AtomicFolder&) = delete;
  AtomicFolder& operator=(const AtomicFolder&) = delete;
  ~AtomicFolder();  // removes the temporary folder unless commit() succeeded

  const std::filesystem::path& path() const { return temp_path_; }
  const std::filesystem::path& final_path() const { return final_path_; }
  void commit();

 private:
  void check_replaceable() const;

  std::string shown_;  // the path as given, for messages
  std::filesystem::path final_path_;  // absolute, without a trailing separator
  std::filesystem::path temp_path_;
  std::vector<std::string> contents_;
  int registration_ = -1;
  bool committed_ = false;
};

// Installs handlers for SIGINT, SIGTERM and SIGHUP (those not ignored) that remove every registered
// temporary file and folder, then re-raise the signal with its default action so the exit status
// still says which signal ended the process. Called once by the Stage frame.
void remove_temporaries_on_signals();

// Removes the siblings `.NAME.tmp<pid>` and `.NAME.old<pid>` of final_path (files or folders) whose
// pid is not a live process: what a killed earlier run left. Those of live processes are kept (another
// job may be writing them). Called whenever a temporary for final_path is created.
void remove_stale_temporaries(const std::filesystem::path& final_path);

}  // namespace achrome
