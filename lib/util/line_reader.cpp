#include "util/line_reader.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.hpp"

namespace achrome {

namespace {
// The fuzzing build (tests/fuzz) sets a tiny buffer, so that short inputs exercise its refills.
#ifndef ACHROME_LINE_READER_BYTES
#define ACHROME_LINE_READER_BYTES (1 << 18)
#endif
constexpr std::size_t kReadBytes = ACHROME_LINE_READER_BYTES;
}

// zlib rather than htslib's BGZF reader: for a plain gzip stream htslib inflates 64 kB blocks and
// drops a block cut short entirely, so a truncated file of small lines failed "after line 0";
// zlib hands over every byte it could inflate before reporting the damage.
LineReader::LineReader(std::string path) : path_(std::move(path)) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path_, ignored)) fail("{}: is a folder, not a file", path_);
  errno = 0;
  file_ = gzopen(path_.c_str(), "rb");
  if (!file_) fail("{}: cannot open: {}", path_, errno ? std::strerror(errno) : "unknown error");
  gzbuffer(file_, kReadBytes);
  buffer_.resize(kReadBytes);
}

LineReader::~LineReader() {
  if (file_) gzclose(file_);
}

bool LineReader::fill() {
  if (eof_) return false;
  if (!damage_.empty())
    fail("{}: read error after line {} (truncated or corrupt compressed file: {})", path_, line_number_, damage_);
  // Keep the unread rest at the front; grow only for a line longer than the buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < kReadBytes / 2) buffer_.resize(buffer_.size() * 2);
  const int got = gzread(file_, buffer_.data() + end_, static_cast<unsigned>(buffer_.size() - end_));
  int code = Z_OK;
  const char* message = gzerror(file_, &code);
  // A stream cut short comes back as a short read that sets Z_BUF_ERROR: the lines in it are
  // returned first, the error when more is wanted.
  if (code != Z_OK) damage_ = code == Z_ERRNO ? std::strerror(errno) : message;
  if (got <= 0) {
    if (!damage_.empty() || got < 0)
      fail("{}: read error after line {} (truncated or corrupt compressed file: {})", path_, line_number_,
           damage_.empty() ? "read failed" : damage_);
    eof_ = true;
    return false;
  }
  end_ += static_cast<std::size_t>(got);
  return true;
}

bool LineReader::next(std::string_view& line) {
  std::size_t scanned = begin_;
  while (true) {
    const void* newline = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (newline) {
      const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer_.data());
      std::size_t length = at - begin_;
      if (length > 0 && buffer_[begin_ + length - 1] == '\r') --length;
      line = std::string_view(buffer_.data() + begin_, length);
      begin_ = at + 1;
      ++line_number_;
      return true;
    }
    const std::size_t done = end_ - begin_;  // bytes already searched, kept by fill()
    if (!fill()) break;
    scanned = begin_ + done;
  }
  if (begin_ == end_) return false;
  // A last line without a newline.
  std::size_t length = end_ - begin_;
  if (buffer_[begin_ + length - 1] == '\r') --length;
  line = std::string_view(buffer_.data() + begin_, length);
  begin_ = end_;
  ++line_number_;
  return true;
}

std::string LineReader::where() const { return path_ + ":" + std::to_string(line_number_); }

void split(std::string_view text, char separator, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    if (at == std::string_view::npos) {
      fields.push_back(text.substr(start));
      return;
    }
    fields.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  split(text, separator, fields);
  return fields;
}

}  // namespace achrome
