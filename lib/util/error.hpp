#pragma once
// One exception type for everything a user can fix (bad input, bad flags, missing files).
// Stages catch it at the top and print it as a single line, so the message must name the
// file and, where there is one, the line or record: "genes.tsv:12: tss is not an integer".
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace achrome {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace achrome
