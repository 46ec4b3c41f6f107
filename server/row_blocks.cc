#include "server/row_blocks.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/io/element_type.h"

namespace sketchd {
namespace {

ElementType ToElementType(WireDtype t) {
  return t == WireDtype::kFloat32 ? ElementType::kFloat32 : ElementType::kFloat64;
}

absl::Status NonFinite(absl::string_view what, int64_t row, int64_t col, double v) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": row ", row, ", column ", col, " is ",
                                                 std::isnan(v) ? "NaN" : "infinite",
                                                 "; only finite values are accepted"));
}

// Finite check of a contiguous double range; on failure locate the index.
int64_t FirstNonFinite(const double* p, int64_t n) {
  // Branch-free accumulation keeps the common (all finite) case fast:
  // x·0 is 0 for finite x and NaN otherwise.
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += p[i] * 0.0;
  if (acc == 0) return -1;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) return i;
  }
  return -1;
}

}  // namespace

absl::StatusOr<WireDtype> ParseWireDtype(int proto_dtype, absl::string_view field) {
  if (proto_dtype == 1) return WireDtype::kFloat32;
  if (proto_dtype == 2) return WireDtype::kFloat64;
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": dtype ", proto_dtype, " is not supported; use DTYPE_FLOAT32 or DTYPE_FLOAT64"));
}

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
  const int64_t expected = block_rows * cols_ * WireDtypeSize(dtype_);
  if (static_cast<int64_t>(data.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        what_, ": row block at row ", received_, " has ", data.size(), " bytes; ", block_rows,
        " rows × ", cols_, " columns of ", WireDtypeName(dtype_), " need ", expected));
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

absl::Status DecodeRowBlock(absl::string_view what, WireDtype dtype, absl::string_view data,
                            int64_t first_row, int64_t rows, int64_t cols, double* dst,
                            int64_t dst_stride) {
  const int64_t row_bytes = cols * WireDtypeSize(dtype);
  const bool contiguous = dst_stride == cols;
  if (contiguous) {
    LittleEndianToDouble(ToElementType(dtype), data.data(), rows * cols, dst);
  } else {
    for (int64_t i = 0; i < rows; ++i) {
      LittleEndianToDouble(ToElementType(dtype), data.data() + i * row_bytes, cols,
                           dst + i * dst_stride);
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    const double* row = dst + i * dst_stride;
    const int64_t bad = FirstNonFinite(row, cols);
    if (bad >= 0) return NonFinite(what, first_row + i, bad, row[bad]);
  }
  return absl::OkStatus();
}

absl::Status CheckFiniteRows(absl::string_view what, WireDtype dtype, absl::string_view data,
                             int64_t first_row, int64_t cols) {
  // Fast path reads the bytes as host values, which is right on little-endian hosts.
  if constexpr (std::endian::native != std::endian::little) {
  } else if (dtype == WireDtype::kFloat32) {
    const int64_t n = static_cast<int64_t>(data.size()) / 4;
    float acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, data.data() + 4 * i, 4);
      acc += v * 0.0f;
    }
    if (acc == 0) return absl::OkStatus();
  } else {
    const int64_t n = static_cast<int64_t>(data.size()) / 8;
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, data.data() + 8 * i, 8);
      acc += v * 0.0;
    }
    if (acc == 0) return absl::OkStatus();
  }
  // Slow path: decode to find and name the first bad value.
  const int64_t size = WireDtypeSize(dtype);
  const int64_t n = static_cast<int64_t>(data.size()) / size;
  for (int64_t i = 0; i < n; ++i) {
    double v;
    LittleEndianToDouble(ToElementType(dtype), data.data() + i * size, 1, &v);
    if (!std::isfinite(v)) return NonFinite(what, first_row + i / cols, i % cols, v);
  }
  return absl::OkStatus();
}

}  // namespace sketchd
