// .npy files read and written by row blocks, one block per MPI rank.
//
// Reading: every rank parses the header itself (core's NpyReader, which
// validates dtype, shape and file size) and reads only the bytes of its own
// rows, so no rank ever holds the whole matrix. Any numeric dtype is
// converted to double, as in every other reader. Fortran-order files are
// refused: their rows are strided across the whole file.
//
// Writing: rank 0 writes the header and sizes a temporary file, every rank
// writes its rows at their byte offset with pwrite, and rank 0 renames the
// file into place once all ranks have succeeded, so a failed run never
// leaves a half-written file under the requested name.
#ifndef SKETCHD_MPI_DISTRIBUTED_NPY_H_
#define SKETCHD_MPI_DISTRIBUTED_NPY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "mpi/communicator.h"
#include "mpi/row_range.h"

namespace sketchd {

struct LocalRows {
  int64_t total_rows = 0;  // n of the whole matrix
  RowRange range;          // this rank's rows
  RowMatrixXd rows;        // range.count × d (a 1-D file is an n×1 matrix)
};

// This rank's rows of the 1-D or 2-D .npy at `path` (a local error only: the
// caller agrees on it with the other ranks).
absl::StatusOr<LocalRows> ReadLocalRows(const std::string& path, int rank, int size);

// Collective: writes the float64 matrix whose rows [range) are `rows` on
// this rank, n = total_rows rows and rows.cols() columns in all (the same on
// every rank), to `path`. Errors are agreed, so every rank returns the same.
absl::Status WriteDistributedRows(Communicator& comm, const std::string& path, int64_t total_rows,
                                  int64_t cols, RowRange range, ConstRowMajorRef rows);

}  // namespace sketchd

#endif  // SKETCHD_MPI_DISTRIBUTED_NPY_H_
