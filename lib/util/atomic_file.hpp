#pragma once
// Outputs are written under a temporary name in the destination folder and renamed into place
// only when complete, so a killed or failed job never leaves a file that looks finished
// (Snakemake and users both judge completion by the file existing).
#include <filesystem>
#include <fstream>
#include <memory>

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
  bool committed_ = false;
};

// Convenience: write a whole text/binary payload atomically.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace achrome
