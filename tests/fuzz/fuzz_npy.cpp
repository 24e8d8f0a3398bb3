// .npy parser (util/npy.hpp parse_npy, which read_npy calls on the file's bytes). Rejection is an
// achrome::Error; anything else escaping, a sanitizer report, or an array whose data does not match
// its shape is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "util/error.hpp"
#include "util/npy.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  achrome::fuzz::quiet_and_serial();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const achrome::NpyArray array = achrome::parse_npy(bytes, "fuzz.npy");
    std::size_t count = 1;
    for (std::size_t d : array.shape) {
      ACHROME_FUZZ_CHECK(d == 0 || count <= SIZE_MAX / d);  // the shape's element count fits size_t
      count *= d;
    }
    ACHROME_FUZZ_CHECK(count == array.data.size());
    // What we write reads back to the same array.
    if (!array.shape.empty()) {
      const achrome::NpyArray again = achrome::parse_npy(achrome::npy_bytes(array.data.data(), array.shape), "again.npy");
      ACHROME_FUZZ_CHECK(again.shape == array.shape);
      ACHROME_FUZZ_CHECK(again.data.size() == array.data.size());
    }
  } catch (const achrome::Error&) {
  }
  return 0;
}
