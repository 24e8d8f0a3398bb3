#include "util/hash.hpp"

#include <htslib/hts.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "util/error.hpp"

namespace achrome {

std::string md5_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  hts_md5_context* context = hts_md5_init();
  if (!context) fail("out of memory");
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hts_md5_update(context, buffer.data(), static_cast<unsigned long>(in.gcount()));
  }
  unsigned char digest[16];
  hts_md5_final(digest, context);
  hts_md5_destroy(context);
  char hex[33];
  hts_md5_hex(hex, digest);
  return hex;
}

}  // namespace achrome
