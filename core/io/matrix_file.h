// One entry point for "a matrix file", choosing the format by extension.
//
// sketchctl and the benchmarks take file names from users; they should not
// need to know which reader to call. The extension (case-insensitive) picks:
//   .npy → NumPy (npy.h)  .mtx → MatrixMarket (matrix_market.h)  .csv → CSV (csv.h)
// Anything else is InvalidArgument naming the extension, so a typo fails
// loudly instead of being guessed at.
#ifndef SKETCHD_CORE_IO_MATRIX_FILE_H_
#define SKETCHD_CORE_IO_MATRIX_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

enum class MatrixFileFormat { kNpy, kMatrixMarket, kCsv };

absl::StatusOr<MatrixFileFormat> MatrixFileFormatFromPath(const std::string& path);

// Exactly one matrix (a 3-D .npy family is an error; a 1-D .npy is n×1).
absl::StatusOr<RowMatrixXd> ReadMatrixFile(const std::string& path);

// A 3-D .npy gives its k matrices; every other file gives one.
absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrixFamily(const std::string& path);

// A .mtx is read as CSR directly (coordinate files are never densified);
// other formats are read dense and their nonzeros kept.
absl::StatusOr<CsrMatrix> ReadSparseMatrixFile(const std::string& path);

// .npy: float64 C order; .mtx: dense array; .csv: no header.
absl::Status WriteMatrixFile(const std::string& path, const ConstRowMajorRef& matrix);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_MATRIX_FILE_H_
