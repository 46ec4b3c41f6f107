// MatrixMarket (.mtx) reading and writing.
//
// The format sparse-matrix collections (SuiteSparse, NIST) ship in, so users
// can feed sparse inputs without conversion. Supported:
//   %%MatrixMarket matrix {array|coordinate} {real|double|integer|pattern}
//                         {general|symmetric|skew-symmetric}
// (pattern only with coordinate; complex and hermitian are refused). Comment
// lines (%...) and blank lines are skipped; one entry per line.
//
// Conventions, chosen to match SciPy's reader:
//   * symmetric/skew-symmetric files store one triangle; every off-diagonal
//     entry (i, j) also sets (j, i) (negated for skew-symmetric), whichever
//     triangle it is in; a skew-symmetric diagonal entry is an error.
//   * repeated coordinates are summed.
//   * values must be finite; integer fields must hold integers.
// Errors name the file and the 1-based line.
//
// Declared sizes are checked before anything is allocated: the entry count
// against what the file's bytes can hold, and the memory of the matrix to be
// built (dense rows·cols·8 bytes, or CSR index arrays plus entries) against
// MatrixMarketLimits — a 60-byte coordinate header "17000 17000 0" would
// otherwise densify to 2.3 GB.
#ifndef SKETCHD_CORE_IO_MATRIX_MARKET_H_
#define SKETCHD_CORE_IO_MATRIX_MARKET_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

struct MatrixMarketLimits {
  // Largest matrix a reader builds, in bytes of memory. A file whose declared
  // shape needs more is InvalidArgument naming both figures.
  int64_t max_matrix_bytes = int64_t{1} << 30;
};

// Array or coordinate file as a dense matrix (coordinate: zeros elsewhere).
absl::StatusOr<RowMatrixXd> ReadMatrixMarketDense(const std::string& path,
                                                  const MatrixMarketLimits& limits = {});

// Coordinate or array file as CSR (array: its nonzero entries), compressed.
absl::StatusOr<CsrMatrix> ReadMatrixMarketSparse(const std::string& path,
                                                 const MatrixMarketLimits& limits = {});

// "matrix array real general", column-major as the format requires, with
// shortest exact decimals. Non-finite values are refused.
absl::Status WriteMatrixMarketDense(const std::string& path, const ConstRowMajorRef& matrix);

// "matrix coordinate real general", one stored entry per line in row order
// (explicitly stored zeros included), 1-based indices.
absl::Status WriteMatrixMarketSparse(const std::string& path, const CsrMatrix& matrix);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_MATRIX_MARKET_H_
