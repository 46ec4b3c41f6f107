// Matrix files as sketchctl sees them: command-line arguments (files or
// directories) → matrices, and matrices → output files.
//
// A file holds a family: a 2-D matrix is a family of one, a 3-D .npy stack
// (k, r, c) is k matrices. A directory stands for all matrix files in it
// (.npy, .mtx, .csv), sorted by name, so `upload ds frames/` is stable.
//
// Every error here is tagged kExitInput (see cli_status.h) and names the file.
#ifndef SKETCHD_CLIENT_MATRIX_INPUTS_H_
#define SKETCHD_CLIENT_MATRIX_INPUTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

// True for the extensions sketchctl reads (.npy, .mtx, .csv; case-insensitive).
bool IsMatrixFileName(const std::string& path);

// Expands directories; rejects missing paths and unknown extensions.
absl::StatusOr<std::vector<std::string>> ExpandMatrixPaths(const std::vector<std::string>& args);

// All matrices in one file (see the family rule above).
absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrixFamilyFile(const std::string& path);
// All matrices of all files, in order; every matrix must have the same shape.
absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrices(const std::vector<std::string>& paths);
// A file that must hold exactly one matrix.
absl::StatusOr<RowMatrixXd> ReadOneMatrix(const std::string& path);

// Writes one matrix as 2-D (.npy float64, .mtx or .csv by extension),
// several (equally shaped) as a 3-D .npy stack.
absl::Status WriteMatrices(const std::string& path, const std::vector<RowMatrixXd>& matrices);
absl::Status WriteVector(const std::string& path, const VectorXd& vector);

// Rows of one or more matrices, delivered in bounded blocks for streaming to
// the server. .npy files are read block by block (never loaded whole); text
// formats are parsed per file. A file source opens each file once: the
// reader that learned its shape is the one that streams its rows.
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
  // False once every row was returned.
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
// Files (already expanded); all matrices of one shape, checked up front from
// the .npy headers so a mismatch fails before anything is sent.
absl::StatusOr<std::unique_ptr<RowBlockSource>> FileRowBlocks(
    const std::vector<std::string>& paths, int64_t target_bytes);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_MATRIX_INPUTS_H_
