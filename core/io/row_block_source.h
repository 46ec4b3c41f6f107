// Matrices as a stream of row blocks: the one way a matrix file (or a
// matrix in memory) is read on its way to the wire or to a command.
//
// A file holds a family: a 2-D matrix (or a 1-D .npy, n×1) is a family of
// one, a 3-D .npy stack (k, r, c) is k matrices; .mtx and .csv files hold one
// matrix. FileRowBlocks opens every file exactly once: the reader that learns
// its shape (.npy header; text files are parsed whole, they have no header)
// is the one that streams its rows, and .npy rows are read block by block,
// never loaded whole. All matrices of one source have one shape, checked up
// front so a mismatch fails before a row is used.
//
// Thread-safety: a source is used by one thread at a time.
#ifndef SKETCHD_CORE_IO_ROW_BLOCK_SOURCE_H_
#define SKETCHD_CORE_IO_ROW_BLOCK_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

class RowBlockSource {
 public:
  struct Block {
    int64_t matrix = 0;     // index over all matrices of the source
    int64_t first_row = 0;  // within that matrix
    RowMatrixXd rows;
  };
  virtual ~RowBlockSource() = default;
  virtual int64_t matrix_count() const = 0;
  virtual int64_t rows() const = 0;
  virtual int64_t cols() const = 0;
  // The next block in (matrix, row) order; false once every row was returned.
  virtual absl::StatusOr<bool> Next(Block* block) = 0;
  // True when every value is exactly a float32 (the file stores float32 or a
  // narrower type, e.g. uint8 frames), so it can travel at half the bytes.
  virtual bool exact_in_float32() const { return false; }
};

// Rows per block so a float64 block stays near `target_bytes` (≥ 1 row).
int64_t BlockRowsFor(int64_t cols, int64_t target_bytes);

// Borrowed matrices (must outlive the source); all of one shape.
absl::StatusOr<std::unique_ptr<RowBlockSource>> MemoryRowBlocks(
    const std::vector<const RowMatrixXd*>& matrices, int64_t target_bytes);

// Files (.npy, .mtx, .csv by extension, case-insensitive), in order. Errors
// name the file: unknown extension, unreadable or malformed file, a shape
// unlike the first file's, or no matrix at all.
absl::StatusOr<std::unique_ptr<RowBlockSource>> FileRowBlocks(
    const std::vector<std::string>& paths, int64_t target_bytes);

// Every matrix of `source`, assembled from its blocks (for commands that need
// whole matrices in memory). Sizes come from headers the readers validated
// against the file sizes.
absl::StatusOr<std::vector<RowMatrixXd>> ReadAllMatrices(RowBlockSource& source);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_ROW_BLOCK_SOURCE_H_
