// Streams the rows of an .npy file as blocks of a chosen size.
//
// This is how the client sends a matrix over gRPC chunk by chunk: the file is
// never loaded whole (for C order, which is what NumPy writes by default), so
// a matrix larger than memory can still be sketched by the server. Blocks
// never span two matrices of a 3-D family; each block says which matrix and
// which rows it holds. Fortran-order files are supported by loading one
// matrix at a time (see NpyReader).
#ifndef SKETCHD_CORE_IO_NPY_ROW_BLOCKS_H_
#define SKETCHD_CORE_IO_NPY_ROW_BLOCKS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/io/npy_reader.h"
#include "core/matrix_types.h"

namespace sketchd {

class NpyRowBlockReader {
 public:
  struct Block {
    int64_t matrix = 0;     // index in the family (0 for a 1-D/2-D file)
    int64_t first_row = 0;  // first row of `rows` within that matrix
    RowMatrixXd rows;       // at most block_rows rows, all columns
  };

  // block_rows ≥ 1. Validates the file as NpyReader::Open does.
  static absl::StatusOr<NpyRowBlockReader> Open(const std::string& path, int64_t block_rows);

  const NpyHeader& header() const { return reader_.header(); }
  int64_t matrix_count() const { return reader_.matrix_count(); }
  int64_t rows() const { return reader_.rows(); }
  int64_t cols() const { return reader_.cols(); }
  int64_t block_rows() const { return block_rows_; }
  // Changes the size of the blocks Next returns from now on (≥ 1), e.g.
  // once a caller that opened the file to learn its shape knows how many
  // rows make a good block.
  void set_block_rows(int64_t block_rows) { block_rows_ = block_rows < 1 ? 1 : block_rows; }

  // The next block in (matrix, row) order, or false once every row has been
  // returned. Matrices with no rows produce no block.
  absl::StatusOr<bool> Next(Block* block);

  // Restarts at the first row of matrix i (i == matrix_count() means "done").
  absl::Status SeekMatrix(int64_t i);

 private:
  NpyRowBlockReader(NpyReader reader, int64_t block_rows)
      : reader_(std::move(reader)), block_rows_(block_rows) {}

  NpyReader reader_;
  int64_t block_rows_;
  int64_t matrix_ = 0;
  int64_t row_ = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_NPY_ROW_BLOCKS_H_
