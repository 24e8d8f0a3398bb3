#include "util/line_reader.hpp"

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace achrome {

LineReader::LineReader(std::string path) : path_(std::move(path)) {
  file_ = hts_open(path_.c_str(), "r");
  if (!file_) fail("{}: cannot open: {}", path_, errno ? std::strerror(errno) : "unknown error");
  buffer_ = new kstring_t{0, 0, nullptr};
}

LineReader::~LineReader() {
  auto* ks = static_cast<kstring_t*>(buffer_);
  if (ks) {
    free(ks->s);
    delete ks;
  }
  if (file_) hts_close(file_);
}

bool LineReader::next(std::string_view& line) {
  auto* ks = static_cast<kstring_t*>(buffer_);
  const int status = hts_getline(file_, KS_SEP_LINE, ks);
  if (status == -1) return false;
  if (status < -1) fail("{}: read error after line {} (truncated or corrupt compressed file?)", path_, line_number_);
  ++line_number_;
  std::size_t length = ks->l;
  if (length > 0 && ks->s[length - 1] == '\r') --length;
  line = std::string_view(ks->s, length);
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
