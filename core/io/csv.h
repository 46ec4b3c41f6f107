// Numeric CSV reading and writing.
//
// CSV is what spreadsheets and pandas export; sketchd accepts it for
// convenience, not speed (prefer .npy for anything large). Rules:
//   * fields are separated by commas; blanks around a field are ignored;
//     "\r\n" line ends are accepted;
//   * blank lines and lines starting with '#' (np.savetxt's header) are
//     skipped;
//   * the first remaining line is a header, and skipped, iff none of its
//     fields is a number (so a header of column names is detected, and a
//     purely numeric first row is data). A first line that mixes numbers and
//     text is an error naming the first text field: it is far more likely a
//     data row with a typo than a header, and silently dropping it as one
//     would lose a row of data without a word;
//   * every data row must have as many fields as the first data row;
//   * NaN/Inf tokens ("nan", "inf", "-Infinity", …) and numbers beyond double
//     range are rejected, naming the line and field: sketchd's maths cannot
//     use them, and silently reading a missing value as NaN would only move
//     the failure somewhere less clear.
// Lines and fields in messages are 1-based, as editors and spreadsheets count.
#ifndef SKETCHD_CORE_IO_CSV_H_
#define SKETCHD_CORE_IO_CSV_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

// Two passes over the file (count rows, then parse straight into the
// result), so memory is the matrix plus one line.
absl::StatusOr<RowMatrixXd> ReadCsvMatrix(const std::string& path);

// One row per line, shortest exact decimals, no header. Non-finite values
// and empty matrices (which would not read back) are refused.
absl::Status WriteCsvMatrix(const std::string& path, const ConstRowMajorRef& matrix);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_CSV_H_
