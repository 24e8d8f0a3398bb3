#include "util/parse.hpp"

#include <charconv>
#include <cstdlib>
#include <string>

#include "util/error.hpp"

namespace achrome {

std::optional<double> to_double(std::string_view field) {
  if (field.empty()) return std::nullopt;
  // std::from_chars for double is available in GCC 11+, and accepts "nan"/"inf" too.
  double value = 0;
  const char* first = field.data();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> to_int(std::string_view field) {
  if (field.empty()) return std::nullopt;
  std::int64_t value = 0;
  const char* first = field.data();
  if (*first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size()) return std::nullopt;
  return value;
}

double parse_double(std::string_view field, const std::string& where, std::string_view what) {
  auto value = to_double(field);
  if (!value) fail("{}: {}: '{}' is not a number", where, what, field);
  return *value;
}

std::int64_t parse_int(std::string_view field, const std::string& where, std::string_view what) {
  auto value = to_int(field);
  if (!value) fail("{}: {}: '{}' is not an integer", where, what, field);
  return *value;
}

}  // namespace achrome
