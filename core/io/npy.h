// Whole-file NumPy .npy reading and writing.
//
// .npy is the format users already have (np.save) and the one sketchd writes
// results in, since it is exact (binary doubles) and loads in one call from
// Python. Reading accepts every numeric dtype, C or Fortran order, header
// versions 1.0–3.0; see NpyReader for the details and the streaming and
// random-access forms. Writing produces version 1.0 (2.0 for huge headers),
// little-endian float64 by default.
#ifndef SKETCHD_CORE_IO_NPY_H_
#define SKETCHD_CORE_IO_NPY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/element_type.h"
#include "core/matrix_types.h"

namespace sketchd {

// A 2-D array, or a 1-D array of length n as an n×1 matrix. A 3-D file is an
// error (it holds a family; use ReadNpyFamily).
absl::StatusOr<RowMatrixXd> ReadNpyMatrix(const std::string& path);

// A 3-D array (k, r, c) as k matrices; a 1-D or 2-D file gives one matrix.
absl::StatusOr<std::vector<RowMatrixXd>> ReadNpyFamily(const std::string& path);

struct NpyWriteOptions {
  // kFloat64 (exact) or kFloat32 (half the size; values must fit in float).
  ElementType type = ElementType::kFloat64;
  // Column-major data with fortran_order True; C order otherwise.
  bool fortran_order = false;
};

// Writers refuse NaN/Inf (and float32 overflow) so that every file sketchd
// writes, sketchd can read back. The file appears atomically on success.
absl::Status WriteNpyMatrix(const std::string& path, const ConstRowMajorRef& matrix,
                            const NpyWriteOptions& options = {});
// Shape (n,), for vectors such as a solution x.
absl::Status WriteNpyVector(const std::string& path, const VectorXd& vector,
                            const NpyWriteOptions& options = {});
// Shape (k, r, c); all matrices must have the same shape. An empty family
// is written as shape (0, 0, 0).
absl::Status WriteNpyFamily(const std::string& path, const std::vector<RowMatrixXd>& family,
                            const NpyWriteOptions& options = {});

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_NPY_H_
