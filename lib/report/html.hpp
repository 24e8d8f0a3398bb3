#pragma once
// Small HTML helpers for the reports: escaping, number formatting, and the page frame with its
// inline stylesheet. Pages are single self-contained files: no scripts, no external resources.
#include <string>
#include <string_view>

namespace achrome::report {

// Escapes & < > " ' so that any name (gene, mark, epigenome, title) is safe in text and attributes.
std::string escape_html(std::string_view text);

// Fixed-point with 'digits' decimals; "n/a" for NaN (a metric that was not computed).
std::string format_fixed(double value, int digits);
// Integers with thin grouping: 19802 -> "19,802".
std::string format_count(long long value);

// <!DOCTYPE html> ... with title (escaped), the shared stylesheet, and body (already HTML).
std::string html_page(std::string_view title, std::string_view body);

}  // namespace achrome::report
