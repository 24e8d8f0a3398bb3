#include "report/html.hpp"

#include <cmath>

#include <fmt/format.h>

namespace achrome::report {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_fixed(double value, int digits) {
  if (std::isnan(value)) return "n/a";
  std::string text = fmt::format("{:.{}f}", value, digits);
  if (text.rfind("-0.", 0) == 0 && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);  // no "-0.000"
  return text;
}

std::string format_count(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

namespace {

constexpr std::string_view kStyle = R"(
:root { --ink: #222; --muted: #666; --rule: #ddd; --on: #c0392b; --off: #2e6fa7; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.15em; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
p.sub, p.note, .caption { color: var(--muted); font-size: 0.9em; margin: 4px 0 12px; }
table { border-collapse: collapse; font-size: 0.92em; margin: 8px 0; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--rule); text-align: right; }
th { font-weight: 600; background: #f6f6f6; }
td.text, th.text { text-align: left; }
td.on { color: var(--on); font-weight: 600; } td.off { color: var(--off); font-weight: 600; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 12px 0; }
.fact { min-width: 110px; } .fact .k { color: var(--muted); font-size: 0.8em; text-transform: uppercase; letter-spacing: .04em; }
.fact .v { font-size: 1.25em; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-start; }
figure { margin: 0; } svg { display: block; font-family: inherit; }
svg text { fill: #333; font-size: 11px; } svg .title { font-size: 12.5px; font-weight: 600; }
svg .axis { stroke: #888; stroke-width: 1; } svg .grid { stroke: #eee; stroke-width: 1; }
a { color: #1f5fa0; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.8em; }
)";

}  // namespace

std::string html_page(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}\n</body>\n</html>\n",
      escape_html(title), kStyle, body);
}

}  // namespace achrome::report
