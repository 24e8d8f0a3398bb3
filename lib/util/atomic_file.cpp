#include "util/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace achrome {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(fs::path final_path) : final_path_(std::move(final_path)) {
  const fs::path parent = final_path_.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) fail("{}: cannot create folder: {}", parent.string(), ec.message());
  }
  // Hidden, same folder (so rename is atomic), unique per process.
  temp_path_ = parent / fmt::format(".{}.tmp{}", final_path_.filename().string(), ::getpid());
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  stream_.reset();
  std::error_code ec;
  fs::remove(temp_path_, ec);
}

std::ofstream& AtomicFile::stream() {
  if (!stream_) {
    stream_ = std::make_unique<std::ofstream>(temp_path_, std::ios::binary | std::ios::trunc);
    if (!*stream_) fail("{}: cannot open for writing: {}", final_path_.string(), std::strerror(errno));
  }
  return *stream_;
}

void AtomicFile::commit() {
  if (stream_) {
    stream_->flush();
    if (!*stream_) fail("{}: write failed: {}", final_path_.string(), std::strerror(errno));
    stream_->close();
  }
  std::error_code ec;
  fs::rename(temp_path_, final_path_, ec);
  if (ec) fail("{}: cannot move into place: {}", final_path_.string(), ec.message());
  committed_ = true;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  AtomicFile out(path);
  out.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  out.commit();
}

}  // namespace achrome
