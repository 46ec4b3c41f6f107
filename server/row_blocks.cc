#include "server/row_blocks.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

absl::Status RowBlockChecker::Check(int64_t block_rows, absl::string_view data) {
  if (block_rows < 1) {
    return absl::InvalidArgumentError(absl::StrCat(what_, ": row block at row ", received_,
                                                   " declares ", block_rows,
                                                   " rows; a block needs at least 1"));
  }
  if (block_rows > rows_ - received_) {
    return absl::InvalidArgumentError(absl::StrCat(
        what_, ": row block of ", block_rows, " rows at row ", received_,
        " reaches past the declared ", rows_, " rows"));
  }
  absl::StatusOr<int64_t> expected = PackedBytes(dtype_, block_rows, cols_);
  if (!expected.ok()) return expected.status();
  if (static_cast<int64_t>(data.size()) != *expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        what_, ": row block at row ", received_, " has ", data.size(), " bytes; ", block_rows,
        " rows × ", cols_, " columns of ", ElementTypeName(dtype_), " need ", *expected));
  }
  return absl::OkStatus();
}

absl::Status RowBlockChecker::CheckComplete() const {
  if (received_ != rows_) {
    return absl::InvalidArgumentError(absl::StrCat(what_, ": stream ended after ", received_,
                                                   " of the declared ", rows_, " rows"));
  }
  return absl::OkStatus();
}

}  // namespace sketchd
