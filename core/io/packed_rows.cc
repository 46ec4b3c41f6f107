#include "core/io/packed_rows.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

bool IsPacked(ElementType type) {
  return type == ElementType::kFloat32 || type == ElementType::kFloat64;
}

absl::Status NonFinite(absl::string_view what, int64_t row, int64_t col, double v) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": row ", row, ", column ", col, " is ",
                                                 std::isnan(v) ? "NaN" : "infinite",
                                                 "; only finite values are accepted"));
}

// Index of the first non-finite value of p[0, n), or -1.
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

// True when every packed value is finite, read in place (little-endian
// hosts); false means "look closer", not necessarily "bad".
template <typename T>
bool AllFiniteInPlace(absl::string_view bytes) {
  if constexpr (std::endian::native != std::endian::little) {
    return false;
  } else {
    const int64_t n = static_cast<int64_t>(bytes.size()) / static_cast<int64_t>(sizeof(T));
    T acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, bytes.data() + sizeof(T) * i, sizeof(T));
      acc += v * T{0};
    }
    return acc == 0;
  }
}

}  // namespace

absl::StatusOr<ElementType> PackedTypeFromCode(int code, absl::string_view field) {
  if (code == 1) return ElementType::kFloat32;
  if (code == 2) return ElementType::kFloat64;
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": dtype ", code, " is not supported; use DTYPE_FLOAT32 or DTYPE_FLOAT64"));
}

int PackedTypeCode(ElementType type) {
  if (type == ElementType::kFloat32) return 1;
  if (type == ElementType::kFloat64) return 2;
  return -1;
}

absl::StatusOr<int64_t> PackedBytes(ElementType type, int64_t rows, int64_t cols) {
  if (!IsPacked(type)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "packed rows hold float32 or float64 values, not ", ElementTypeName(type)));
  }
  if (rows < 0 || cols < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("packed rows: negative shape ", rows, "×", cols));
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(rows, cols, &bytes) ||
      __builtin_mul_overflow(bytes, int64_t{ElementSize(type)}, &bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("packed rows: ", rows, "×", cols, " values overflow a byte count"));
  }
  return bytes;
}

absl::Status DecodePackedRows(absl::string_view what, absl::string_view bytes, ElementType type,
                              int64_t first_row, int64_t rows, int64_t cols, double* dst,
                              int64_t dst_stride) {
  absl::StatusOr<int64_t> expected = PackedBytes(type, rows, cols);
  if (!expected.ok()) return expected.status();
  if (static_cast<int64_t>(bytes.size()) != *expected) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", rows, "×", cols, " ",
                                                   ElementTypeName(type), " values need ",
                                                   *expected, " bytes, got ", bytes.size()));
  }
  // No values, nothing to decode: without this a declared 2^56 × 0 block
  // would spin through 2^56 empty rows (found by fuzz/packed_rows_fuzzer).
  if (rows == 0 || cols == 0) return absl::OkStatus();
  const int64_t row_bytes = cols * ElementSize(type);
  if (dst_stride == cols) {
    LittleEndianToDouble(type, bytes.data(), rows * cols, dst);
  } else {
    for (int64_t i = 0; i < rows; ++i) {
      LittleEndianToDouble(type, bytes.data() + i * row_bytes, cols, dst + i * dst_stride);
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    const double* row = dst + i * dst_stride;
    const int64_t bad = FirstNonFinite(row, cols);
    if (bad >= 0) return NonFinite(what, first_row + i, bad, row[bad]);
  }
  return absl::OkStatus();
}

absl::Status DecodeLittleEndianRowsInto(absl::string_view bytes, ElementType type,
                                        int64_t first_row, Eigen::Ref<RowMatrixXd> out) {
  return DecodePackedRows("packed rows", bytes, type, first_row, out.rows(), out.cols(),
                          out.data(), out.outerStride());
}

absl::StatusOr<RowMatrixXd> DecodeLittleEndianRows(absl::string_view bytes, ElementType type,
                                                   int64_t rows, int64_t cols) {
  absl::StatusOr<int64_t> expected = PackedBytes(type, rows, cols);
  if (!expected.ok()) return expected.status();
  if (static_cast<int64_t>(bytes.size()) != *expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "packed rows: ", rows, "×", cols, " ", ElementTypeName(type),
        " values do not match the ", bytes.size(), " bytes received"));
  }
  RowMatrixXd m(rows, cols);
  if (absl::Status s = DecodeLittleEndianRowsInto(bytes, type, 0, m); !s.ok()) return s;
  return m;
}

absl::Status CheckFinitePackedRows(absl::string_view what, absl::string_view bytes,
                                   ElementType type, int64_t first_row, int64_t cols) {
  if (!IsPacked(type)) return PackedBytes(type, 0, 0).status();
  const bool fast = type == ElementType::kFloat32 ? AllFiniteInPlace<float>(bytes)
                                                  : AllFiniteInPlace<double>(bytes);
  if (fast || cols <= 0) return absl::OkStatus();
  // Slow path: decode to find and name the first bad value.
  const int64_t size = ElementSize(type);
  const int64_t n = static_cast<int64_t>(bytes.size()) / size;
  for (int64_t i = 0; i < n; ++i) {
    double v;
    LittleEndianToDouble(type, bytes.data() + i * size, 1, &v);
    if (!std::isfinite(v)) return NonFinite(what, first_row + i / cols, i % cols, v);
  }
  return absl::OkStatus();
}

std::string EncodeLittleEndian(const ConstRowMajorRef& matrix, ElementType type) {
  const ElementType t = type == ElementType::kFloat32 ? type : ElementType::kFloat64;
  const int64_t cols = matrix.cols();
  const int size = ElementSize(t);
  std::string out(static_cast<size_t>(matrix.rows() * cols * size), '\0');
  if (cols == 0) return out;  // as in decoding: do not walk empty rows
  if (matrix.outerStride() == cols) {
    DoubleToLittleEndian(t, matrix.data(), matrix.rows() * cols, out.data());
    return out;
  }
  for (int64_t r = 0; r < matrix.rows(); ++r) {
    DoubleToLittleEndian(t, matrix.row(r).data(), cols, out.data() + r * cols * size);
  }
  return out;
}

}  // namespace sketchd
