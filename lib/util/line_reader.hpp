#pragma once
// Line-by-line reading of text inputs, plain or gzip/BGZF-compressed (zlib's gz reader, which
// detects compression from content), with the line number kept for error messages.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

struct gzFile_s;

namespace achrome {

class LineReader {
 public:
  explicit LineReader(std::string path);  // throws Error("path: cannot open: ...")
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader();

  // Next line without its newline (and without a trailing '\r'); false at end of file. A file that
  // is cut short or corrupt throws Error "path: read error after line N", N the lines returned.
  bool next(std::string_view& line);
  std::size_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }
  // "path:line" for error messages.
  std::string where() const;

 private:
  bool fill();  // reads more text after the unread rest; false at the end of the file

  std::string path_;
  gzFile_s* file_ = nullptr;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread text
  bool eof_ = false;
  std::string damage_;  // zlib's error, raised once the text read before it is used up
  std::size_t line_number_ = 0;
};

// Splits on a single separator character; empty fields are kept.
std::vector<std::string_view> split(std::string_view text, char separator);
void split(std::string_view text, char separator, std::vector<std::string_view>& fields);

}  // namespace achrome
