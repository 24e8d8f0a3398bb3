#include "util/npy.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/parse.hpp"

namespace achrome {

static_assert(sizeof(float) == 4, "float32 required");

namespace {

constexpr char kMagic[] = "\x93NUMPY";

bool host_is_little_endian() {
  const std::uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

// Extracts the value of 'key' from the header dict, e.g. "'descr': '<f4'" -> "'<f4'".
std::string header_field(const std::string& header, const std::string& key, const std::string& name) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) fail("{}: .npy header has no '{}'", name, key);
  const auto colon = header.find(':', at);
  if (colon == std::string::npos) fail("{}: .npy header: no value for '{}'", name, key);
  auto pos = colon + 1;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos >= header.size()) fail("{}: .npy header: no value for '{}'", name, key);
  if (header[pos] == '(') {
    const auto close = header.find(')', pos);
    if (close == std::string::npos) fail("{}: .npy header: '{}' has no closing ')'", name, key);
    return header.substr(pos, close - pos + 1);
  }
  const auto end = header.find_first_of(",}", pos);
  if (end == std::string::npos) fail("{}: .npy header: '{}' has no end", name, key);
  return header.substr(pos, end - pos);
}

// "(3, 4)" -> {3, 4}. Every dimension must be a whole number and their product (the number of
// values) must fit in memory arithmetic: a forged header must give an error, never a wrapped size.
std::vector<std::size_t> parse_shape(const std::string& text, const std::string& name, std::size_t& count) {
  std::vector<std::size_t> shape;
  count = 1;
  std::string_view inner(text);
  inner = inner.substr(1, inner.size() - 2);
  while (!inner.empty()) {
    const auto comma = inner.find(',');
    std::string_view item = inner.substr(0, comma);
    inner = comma == std::string_view::npos ? std::string_view() : inner.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;  // "(3,)"
    if (item.back() == 'L') item.remove_suffix(1);  // Python 2 longs: "(3L, 4L)"
    const auto dim = to_int(item);
    if (!dim || *dim < 0 || item.front() == '+')
      fail("{}: .npy shape {}: '{}' is not a dimension", name, text, item);
    const auto size = static_cast<std::size_t>(*dim);
    if (size != 0 && count > std::numeric_limits<std::size_t>::max() / 8 / size)
      fail("{}: .npy shape {} holds more values than can be addressed", name, text);
    count *= size;
    shape.push_back(size);
  }
  return shape;
}

}  // namespace

std::string npy_bytes(const float* data, const std::vector<std::size_t>& shape) {
  if (!host_is_little_endian()) fail("big-endian hosts are not supported for .npy output");
  std::string dims;
  std::size_t count = 1;
  for (std::size_t d : shape) {
    dims += std::to_string(d) + ",";
    if (shape.size() > 1) dims += " ";
    count *= d;
  }
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // "(3, 4)" not "(3, 4, )"
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // magic(6) + version(2) + length(2) + header + '\n' padded to a multiple of 64
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back('\x01');
  out.push_back('\x00');
  const auto length = static_cast<std::uint16_t>(header.size());
  out.push_back(static_cast<char>(length & 0xff));
  out.push_back(static_cast<char>(length >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(data), count * sizeof(float));
  return out;
}

void write_npy(const std::filesystem::path& path, const float* data, const std::vector<std::size_t>& shape) {
  if (!host_is_little_endian()) fail("{}: big-endian hosts are not supported for .npy output", path.string());
  write_file_atomic(path, npy_bytes(data, shape));
}

NpyArray parse_npy(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) fail("{}: not a .npy file", name);
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("{}: truncated .npy header", name);
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    fail("{}: unsupported .npy version {}", name, major);
  }
  if (bytes.size() < offset + header_len) fail("{}: truncated .npy header", name);
  const std::string header = bytes.substr(offset, header_len);
  const std::string descr = header_field(header, "descr", name);
  const std::string fortran = header_field(header, "fortran_order", name);
  const std::string shape_text = header_field(header, "shape", name);
  if (shape_text.size() < 2 || shape_text.front() != '(' || shape_text.back() != ')')
    fail("{}: .npy shape '{}' is not a tuple", name, shape_text);
  if (fortran.find("True") != std::string::npos) fail("{}: Fortran-order arrays are not supported", name);

  NpyArray array;
  std::size_t count = 0;
  array.shape = parse_shape(shape_text, name, count);
  const std::size_t data_offset = offset + header_len;
  const char* raw = bytes.data() + data_offset;
  const std::size_t available = bytes.size() - data_offset;

  auto convert = [&](auto tag) {
    using T = decltype(tag);
    // parse_shape keeps count * 8 in range. Checked before allocating: the header alone must not
    // make us reserve memory the file does not back.
    if (available < count * sizeof(T))
      fail("{}: truncated .npy data ({} bytes, expected {})", name, available, count * sizeof(T));
    array.data.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      T value;
      std::memcpy(&value, raw + i * sizeof(T), sizeof(T));
      array.data[i] = static_cast<float>(value);
    }
  };
  if (!host_is_little_endian()) fail("{}: big-endian hosts are not supported for .npy input", name);
  if (descr == "'<f4'") {
    convert(float{});
  } else if (descr == "'<f8'") {
    convert(double{});
  } else if (descr == "'<i4'") {
    convert(std::int32_t{});
  } else if (descr == "'<i8'") {
    convert(std::int64_t{});
  } else {
    fail("{}: unsupported .npy dtype {} (expected little-endian float32)", name, descr);
  }
  return array;
}

NpyArray read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_npy(bytes, path.string());
}

}  // namespace achrome
