#pragma once
// Strict number parsing for input fields: the whole field must be a number, else an Error that
// names where it came from ("expression.tsv:7: column E003: 'n/a' is not a number").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace achrome {

std::optional<double> to_double(std::string_view field);
std::optional<std::int64_t> to_int(std::string_view field);

// 'where' is a location such as "file.tsv:12"; 'what' names the field.
double parse_double(std::string_view field, const std::string& where, std::string_view what);
std::int64_t parse_int(std::string_view field, const std::string& where, std::string_view what);

}  // namespace achrome
