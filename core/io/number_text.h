// Numbers as text, for the text matrix formats.
//
// std::from_chars/to_chars rather than strtod/printf: locale-independent
// (a German locale must not turn "0.5" into an error), no allocation, and
// to_chars gives the shortest text that reads back to the identical double,
// so text round trips are exact.
#ifndef SKETCHD_CORE_IO_NUMBER_TEXT_H_
#define SKETCHD_CORE_IO_NUMBER_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sketchd {

enum class NumberParse {
  kOk,
  kNotANumber,  // empty, trailing junk, or not numeric at all
  kNonFinite,   // "nan", "inf", "-Infinity", or a decimal beyond double range
};

// Parses the whole token as a decimal double (an optional leading '+' is
// allowed). Only kOk sets *out.
NumberParse ParseDouble(absl::string_view token, double* out);

// Parses the whole token as a base-10 int64 (optional sign).
bool ParseInt64(absl::string_view token, int64_t* out);

// Appends the shortest decimal form that parses back to exactly `value`.
void AppendDouble(double value, std::string* out);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_NUMBER_TEXT_H_
