// Validation and decoding of the packed row blocks carried by the streaming
// RPCs. Every check names the offending row/column or field, so a client
// knows what to fix.
#ifndef SKETCHD_SERVER_ROW_BLOCKS_H_
#define SKETCHD_SERVER_ROW_BLOCKS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/wire_dtype.h"

namespace sketchd {

// DTYPE_FLOAT32/DTYPE_FLOAT64 → WireDtype; anything else INVALID_ARGUMENT.
absl::StatusOr<WireDtype> ParseWireDtype(int proto_dtype, absl::string_view field);

// Tracks the row blocks of one matrix of `rows`×`cols` as they arrive.
class RowBlockChecker {
 public:
  RowBlockChecker(absl::string_view what, int64_t rows, int64_t cols, WireDtype dtype)
      : what_(what), rows_(rows), cols_(cols), dtype_(dtype) {}

  // Checks a block of `block_rows` rows with `data` bytes: row count, byte
  // count, the total staying ≤ rows, and that every value is finite. On
  // success the block covers rows [first, first + block_rows) with
  // first = rows_received() before the call.
  absl::Status Check(int64_t block_rows, absl::string_view data);
  void Advance(int64_t block_rows) { received_ += block_rows; }

  // Error unless exactly `rows` rows arrived.
  absl::Status CheckComplete() const;

  int64_t rows_received() const { return received_; }
  bool complete() const { return received_ == rows_; }

 private:
  std::string what_;
  int64_t rows_, cols_;
  WireDtype dtype_;
  int64_t received_ = 0;
};

// Decodes `rows`×`cols` little-endian values into doubles at dst (row-major,
// row stride `dst_stride`), rejecting NaN/Inf with the global row index
// (first_row + i) and column. `data` must hold exactly rows·cols values.
absl::Status DecodeRowBlock(absl::string_view what, WireDtype dtype, absl::string_view data,
                            int64_t first_row, int64_t rows, int64_t cols, double* dst,
                            int64_t dst_stride);

// Finiteness scan without decoding (for stored uploads).
absl::Status CheckFiniteRows(absl::string_view what, WireDtype dtype, absl::string_view data,
                             int64_t first_row, int64_t cols);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_ROW_BLOCKS_H_
