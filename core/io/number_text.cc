#include "core/io/number_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>

namespace sketchd {
namespace {

bool LooksNonFinite(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  auto lower_starts = [&](absl::string_view word) {
    if (s.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = s[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  };
  return lower_starts("nan") || lower_starts("inf");
}

}  // namespace

NumberParse ParseDouble(absl::string_view token, double* out) {
  absl::string_view s = token;
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  if (s.empty()) return NumberParse::kNotANumber;
  double v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec == std::errc::result_out_of_range) {
    // Overflow is non-finite; underflow is a fine (tiny or zero) value, but
    // from_chars reports both the same way. Only for this rare case ask
    // strtod, whose result tells them apart (sketchd never calls setlocale,
    // so strtod sees the "C" locale).
    if (ptr != end) return NumberParse::kNotANumber;
    const std::string copy(s);
    v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) return NumberParse::kNonFinite;
  } else if (ec != std::errc()) {
    return NumberParse::kNotANumber;
  }
  if (ptr != end) return NumberParse::kNotANumber;
  if (!std::isfinite(v) || LooksNonFinite(s)) return NumberParse::kNonFinite;
  *out = v;
  return NumberParse::kOk;
}

bool ParseInt64(absl::string_view token, int64_t* out) {
  absl::string_view s = token;
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  if (s.empty()) return false;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  *out = v;
  return true;
}

void AppendDouble(double value, std::string* out) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc()) {  // cannot happen with 32 bytes; be safe anyway
    out->append("nan");
    return;
  }
  out->append(buf, ptr);
}

}  // namespace sketchd
