// Random access to the matrices in one .npy file, without loading the file.
//
// A .npy file is read as a family of equally shaped matrices:
//   shape (n,)        → one n×1 matrix (a vector, e.g. a right-hand side b)
//   shape (r, c)      → one r×c matrix
//   shape (k, r, c)   → k matrices of r×c (a family: frames, weeks, ...)
// Any numeric dtype (bool, int8..int64, uint8..uint64, float16/32/64) is
// converted to double. Data is read in bounded chunks straight into the
// destination matrix, so memory is the result plus at most ~1 MiB.
//
// Every value must be finite: NaN/Inf are rejected naming the matrix, row and
// column, because nothing downstream can use them and the user can fix the
// file far more easily than decode a failed factorisation.
//
// Fortran-order files are supported; since rows are then strided across the
// file, ReadRows loads (and caches) the whole matrix, and matrix i of a 3-D
// Fortran-order file costs one pass over the whole file.
#ifndef SKETCHD_CORE_IO_NPY_READER_H_
#define SKETCHD_CORE_IO_NPY_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/binary_file.h"
#include "core/io/npy_header.h"
#include "core/matrix_types.h"

namespace sketchd {

class NpyReader {
 public:
  // Opens and validates the header (see ReadNpyHeader). Only 1-, 2- and 3-D
  // arrays are accepted, each dimension below 2^31.
  static absl::StatusOr<NpyReader> Open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const NpyHeader& header() const { return header_; }
  int num_dims() const { return static_cast<int>(header_.shape.size()); }
  int64_t matrix_count() const { return count_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }

  // Matrix i, 0 ≤ i < matrix_count().
  absl::StatusOr<RowMatrixXd> ReadMatrix(int64_t i);
  // All matrices in one pass over the file.
  absl::StatusOr<std::vector<RowMatrixXd>> ReadAll();
  // Rows [first_row, first_row + n) of matrix i (n may be 0).
  absl::StatusOr<RowMatrixXd> ReadRows(int64_t i, int64_t first_row, int64_t n);

 private:
  NpyReader(InputFile file, NpyHeader header);

  // C order: elements [first, first + n) of the file, in file order, to dst.
  absl::Status ReadContiguous(int64_t first, int64_t n, double* dst);
  // Fortran order: one pass over the file; element (m, r, c) goes to
  // (*out)[m - first_matrix](r, c) for first_matrix ≤ m < first_matrix + out->size().
  absl::Status ScatterFortran(int64_t first_matrix, std::vector<RowMatrixXd>* out);
  absl::Status CheckFinite(const double* values, int64_t n, int64_t first_element) const;
  // "matrix 3, row 5, column 2" for a file-order element index.
  std::string DescribeElement(int64_t element) const;

  InputFile file_;
  NpyHeader header_;
  int64_t count_ = 1;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  std::vector<char> raw_;  // chunk buffer, reused
  // Fortran order: the last matrix loaded whole for ReadRows.
  int64_t cached_index_ = -1;
  RowMatrixXd cached_;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_NPY_READER_H_
