#pragma once
// Line-by-line reading of text inputs, plain or gzip/BGZF-compressed (through htslib, which
// detects compression from content), with the line number kept for error messages.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

struct htsFile;

namespace achrome {

class LineReader {
 public:
  explicit LineReader(std::string path);  // throws Error("path: cannot open: ...")
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader();

  // Next line without its newline (and without a trailing '\r'); false at end of file.
  bool next(std::string_view& line);
  std::size_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }
  // "path:line" for error messages.
  std::string where() const;

 private:
  std::string path_;
  htsFile* file_ = nullptr;
  void* buffer_ = nullptr;  // kstring_t, kept opaque so htslib headers stay out of this header
  std::size_t line_number_ = 0;
};

// Splits on a single separator character; empty fields are kept.
std::vector<std::string_view> split(std::string_view text, char separator);
void split(std::string_view text, char separator, std::vector<std::string_view>& fields);

}  // namespace achrome
