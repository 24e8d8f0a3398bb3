#pragma once
// NumPy .npy v1.0 files: the matrix format between stages (float32, little-endian, C order),
// readable with numpy.load. Reading also accepts float64 and int32/int64 arrays (converted to
// float32) so that arrays made by hand in NumPy work as inputs.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace achrome {

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<float> data;  // C order

  std::size_t size() const { return data.size(); }
  std::size_t dim(std::size_t axis) const { return shape.at(axis); }
};

// Serialises to the .npy byte layout (header padded to a multiple of 64 bytes).
std::string npy_bytes(const float* data, const std::vector<std::size_t>& shape);
// Writes atomically (temporary name, then rename).
void write_npy(const std::filesystem::path& path, const float* data, const std::vector<std::size_t>& shape);
inline void write_npy(const std::filesystem::path& path, const NpyArray& array) {
  write_npy(path, array.data.data(), array.shape);
}
// Throws achrome::Error naming the file when it is missing, truncated or not a supported .npy.
NpyArray read_npy(const std::filesystem::path& path);
NpyArray parse_npy(const std::string& bytes, const std::string& name_for_errors);

}  // namespace achrome
