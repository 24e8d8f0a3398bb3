#include "genome/window.hpp"

#include "util/error.hpp"

namespace achrome {

Strand parse_strand(std::string_view text) {
  if (text == "+") return Strand::Plus;
  if (text == "-") return Strand::Minus;
  fail("strand must be '+' or '-', found '{}'", text);
}

Orientation parse_orientation(std::string_view text) {
  if (text == "genomic") return Orientation::Genomic;
  if (text == "transcript") return Orientation::Transcript;
  fail("orientation must be 'genomic' or 'transcript', found '{}'", text);
}

void WindowSpec::validate() const {
  if (bin_size <= 0) fail("bin size must be positive, found {}", bin_size);
  if (upstream < 0 || downstream < 0 || length() <= 0)
    fail("window must have positive length (upstream {}, downstream {})", upstream, downstream);
  if (length() % bin_size != 0)
    fail("window length {} is not a whole number of {} bp bins", length(), bin_size);
}

}  // namespace achrome
