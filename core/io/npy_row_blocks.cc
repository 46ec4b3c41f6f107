#include "core/io/npy_row_blocks.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace sketchd {

absl::StatusOr<NpyRowBlockReader> NpyRowBlockReader::Open(const std::string& path,
                                                          int64_t block_rows) {
  if (block_rows < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": block size must be at least one row, got ", block_rows));
  }
  auto reader = NpyReader::Open(path);
  if (!reader.ok()) return reader.status();
  return NpyRowBlockReader(std::move(*reader), block_rows);
}

absl::Status NpyRowBlockReader::SeekMatrix(int64_t i) {
  if (i < 0 || i > matrix_count()) {
    return absl::OutOfRangeError(absl::StrCat(reader_.path(), ": matrix ", i,
                                              " requested, the file holds ", matrix_count()));
  }
  matrix_ = i;
  row_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<bool> NpyRowBlockReader::Next(Block* block) {
  while (matrix_ < matrix_count() && row_ >= rows()) {
    ++matrix_;
    row_ = 0;
  }
  if (matrix_ >= matrix_count()) return false;
  const int64_t n = std::min(block_rows_, rows() - row_);
  auto rows_read = reader_.ReadRows(matrix_, row_, n);
  if (!rows_read.ok()) return rows_read.status();
  block->matrix = matrix_;
  block->first_row = row_;
  block->rows = std::move(*rows_read);
  row_ += n;
  return true;
}

}  // namespace sketchd
