// The stream-level checks of the row blocks carried by the streaming RPCs:
// how many rows a block declares, and that blocks add up to the announced
// matrix. Decoding, byte counts and the NaN/Inf checks are the core codec's
// (core/io/packed_rows.h). Every check names the offending row or field, so
// a client knows what to fix.
#ifndef SKETCHD_SERVER_ROW_BLOCKS_H_
#define SKETCHD_SERVER_ROW_BLOCKS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/io/element_type.h"
#include "core/io/packed_rows.h"

namespace sketchd {

// DTYPE_FLOAT32/DTYPE_FLOAT64 → ElementType; anything else INVALID_ARGUMENT.
inline absl::StatusOr<ElementType> ParseWireDtype(int proto_dtype, absl::string_view field) {
  return PackedTypeFromCode(proto_dtype, field);
}

// Tracks the row blocks of one matrix of `rows`×`cols` as they arrive.
class RowBlockChecker {
 public:
  RowBlockChecker(absl::string_view what, int64_t rows, int64_t cols, ElementType dtype)
      : what_(what), rows_(rows), cols_(cols), dtype_(dtype) {}

  // Checks a block of `block_rows` rows with `data` bytes: the row count
  // (≥ 1, the total staying ≤ rows) and the byte count. It does not look at
  // the values: decoding (DecodePackedRows) or CheckFinitePackedRows rejects
  // NaN/Inf. On success the block covers rows [first, first + block_rows)
  // with first = rows_received() before the call.
  absl::Status Check(int64_t block_rows, absl::string_view data);
  void Advance(int64_t block_rows) { received_ += block_rows; }

  // Error unless exactly `rows` rows arrived.
  absl::Status CheckComplete() const;

  int64_t rows_received() const { return received_; }
  bool complete() const { return received_ == rows_; }

 private:
  std::string what_;
  int64_t rows_, cols_;
  ElementType dtype_;
  int64_t received_ = 0;
};

// DecodePackedRows under the name the job runner calls it by.
inline absl::Status DecodeRowBlock(absl::string_view what, ElementType dtype,
                                   absl::string_view data, int64_t first_row, int64_t rows,
                                   int64_t cols, double* dst, int64_t dst_stride) {
  return DecodePackedRows(what, data, dtype, first_row, rows, cols, dst, dst_stride);
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_ROW_BLOCKS_H_
