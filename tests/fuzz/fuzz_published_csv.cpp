// The published DeepChrome and DeepDiff CSVs (dataset/published_layout.hpp). Rejection is an
// achrome::Error; a DeepChrome table that parses must also format back to the same bytes, as
// achrome-export promises. Small bin counts let short inputs reach whole genes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/published_layout.hpp"
#include "fuzz_common.hpp"
#include "util/error.hpp"

using namespace achrome;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_and_serial();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> two_marks{"H3K4me3", "H3K27me3"};
  for (const std::size_t bins : {std::size_t{1}, std::size_t{2}}) {
    for (const auto* marks : {&two_marks, &published_marks()}) {
      try {
        const PublishedTable table = parse_deepchrome_csv(text, "fuzz.csv", *marks, bins);
        ACHROME_FUZZ_CHECK(table.values.size() == table.genes() * bins * marks->size());
        ACHROME_FUZZ_CHECK(table.labels.size() == table.genes());
        bool not_integral = false;
        ACHROME_FUZZ_CHECK(format_deepchrome_csv(table, &not_integral) == text);
        ACHROME_FUZZ_CHECK(!not_integral);
      } catch (const Error&) {
      }
      try {
        const PublishedTable table = parse_deepdiff_csv(text, "fuzz.csv", *marks, bins);
        ACHROME_FUZZ_CHECK(table.values.size() == table.genes() * bins * marks->size());
        ACHROME_FUZZ_CHECK(table.names.size() == table.genes());
      } catch (const Error&) {
      }
    }
  }
  return 0;
}
