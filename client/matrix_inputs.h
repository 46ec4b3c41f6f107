// Matrix files as sketchctl sees them: command-line arguments (files or
// directories) → row blocks or matrices, and matrices → output files. The
// reading is core's (core/io/row_block_source.h); this adds the directory
// rule and tags errors with the CLI's input exit code.
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
#include "core/io/row_block_source.h"
#include "core/matrix_types.h"

namespace sketchd {

// True for the extensions sketchctl reads (.npy, .mtx, .csv; case-insensitive).
bool IsMatrixFileName(const std::string& path);

// Expands directories; rejects missing paths and unknown extensions.
absl::StatusOr<std::vector<std::string>> ExpandMatrixPaths(const std::vector<std::string>& args);

// All matrices in one file (see the family rule above), read through
// InputRowBlocks.
absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrixFamilyFile(const std::string& path);
// All matrices of all files, in order; every matrix must have the same shape.
absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrices(const std::vector<std::string>& paths);
// A file that must hold exactly one matrix.
absl::StatusOr<RowMatrixXd> ReadOneMatrix(const std::string& path);

// Writes one matrix as 2-D (.npy float64, .mtx or .csv by extension),
// several (equally shaped) as a 3-D .npy stack.
absl::Status WriteMatrices(const std::string& path, const std::vector<RowMatrixXd>& matrices);
absl::Status WriteVector(const std::string& path, const VectorXd& vector);

// The files (already expanded) as one source of row blocks
// (core/io/row_block_source.h: each file opened once, .npy streamed, one
// shape checked up front); its errors, also those of Next, are kExitInput.
// Every command that reads matrix files reads them through this.
absl::StatusOr<std::unique_ptr<RowBlockSource>> InputRowBlocks(
    const std::vector<std::string>& paths, int64_t target_bytes);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_MATRIX_INPUTS_H_
