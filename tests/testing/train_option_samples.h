// For the option-table tests: per table row, a value that is allowed and not
// the default, so a round trip that drops or confuses a row shows.
#ifndef SKETCHD_TESTS_TESTING_TRAIN_OPTION_SAMPLES_H_
#define SKETCHD_TESTS_TESTING_TRAIN_OPTION_SAMPLES_H_

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/training/train_option_table.h"

namespace sketchd::testing {

// Text of a value of `row` in its range and different from the default.
inline std::string NonDefaultText(const TrainOptionRow& row) {
  const TrainOptions defaults;
  switch (row.type) {
    case TrainOptionType::kMethod: return "greedy";
    case TrainOptionType::kTask: return "regression";
    case TrainOptionType::kBool: return row.format(defaults) == "1" ? "0" : "1";
    default: break;
  }
  const double v = row.numeric(defaults);
  double sample;
  if (std::isfinite(row.max)) {
    sample = (v + row.max) / 2;  // strictly inside, above the default
  } else {
    sample = v + 3;
  }
  if (row.type != TrainOptionType::kDouble) {
    sample = std::floor(sample);
    if (sample == v) sample = v + 1;
    return absl::StrCat(static_cast<int64_t>(sample));
  }
  return absl::StrCat(sample);
}

// Text of a value outside the range of a numeric row with a range ("" if none).
inline std::string OutOfRangeText(const TrainOptionRow& row) {
  if (!row.numeric_row() || row.RangeText().empty()) return "";
  if (row.type == TrainOptionType::kDouble) {
    return std::isfinite(row.max) ? absl::StrCat(row.max + 1) : absl::StrCat(row.min - 1);
  }
  return absl::StrCat(static_cast<int64_t>(std::isfinite(row.max) ? row.max + 1 : row.min - 1));
}

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_TESTING_TRAIN_OPTION_SAMPLES_H_
