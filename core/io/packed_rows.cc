#include "core/io/packed_rows.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/io/element_type.h"

namespace sketchd {
namespace {

ElementType ToElementType(PackedDtype dtype) {
  return dtype == PackedDtype::kFloat32 ? ElementType::kFloat32 : ElementType::kFloat64;
}

}  // namespace

int PackedDtypeSize(PackedDtype dtype) { return dtype == PackedDtype::kFloat32 ? 4 : 8; }

absl::Status DecodeLittleEndianRowsInto(absl::string_view bytes, PackedDtype dtype,
                                        int64_t first_row, Eigen::Ref<RowMatrixXd> out) {
  const int64_t rows = out.rows();
  const int64_t cols = out.cols();
  const int size = PackedDtypeSize(dtype);
  const int64_t expected = rows * cols * size;  // callers' shapes are < 2^31 each
  if (static_cast<int64_t>(bytes.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "packed rows: ", rows, "×", cols, " ", ElementTypeName(ToElementType(dtype)),
        " values need ", expected, " bytes, got ", bytes.size()));
  }
  // No values, nothing to decode: without this a declared 2^56 × 0 block
  // would spin through 2^56 empty rows (found by fuzz/packed_rows_fuzzer).
  if (rows == 0 || cols == 0) return absl::OkStatus();
  for (int64_t r = 0; r < rows; ++r) {
    double* row = out.row(r).data();
    LittleEndianToDouble(ToElementType(dtype), bytes.data() + r * cols * size, cols, row);
    for (int64_t c = 0; c < cols; ++c) {
      if (!std::isfinite(row[c])) {
        return absl::InvalidArgumentError(absl::StrCat("packed rows: non-finite value ", row[c],
                                                       " at row ", first_row + r, ", column ",
                                                       c, " (0-based)"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RowMatrixXd> DecodeLittleEndianRows(absl::string_view bytes, PackedDtype dtype,
                                                   int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("packed rows: negative shape ", rows, "×", cols));
  }
  int64_t expected = 0;
  if (__builtin_mul_overflow(rows, cols, &expected) ||
      __builtin_mul_overflow(expected, int64_t{PackedDtypeSize(dtype)}, &expected) ||
      static_cast<int64_t>(bytes.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "packed rows: ", rows, "×", cols, " ", ElementTypeName(ToElementType(dtype)),
        " values do not match the ", bytes.size(), " bytes received"));
  }
  RowMatrixXd m(rows, cols);
  if (absl::Status s = DecodeLittleEndianRowsInto(bytes, dtype, 0, m); !s.ok()) return s;
  return m;
}

std::string EncodeLittleEndian(const ConstRowMajorRef& matrix, PackedDtype dtype) {
  const int64_t cols = matrix.cols();
  const int size = PackedDtypeSize(dtype);
  std::string out(static_cast<size_t>(matrix.rows() * cols * size), '\0');
  if (cols == 0) return out;  // as in decoding: do not walk empty rows
  for (int64_t r = 0; r < matrix.rows(); ++r) {
    DoubleToLittleEndian(ToElementType(dtype), matrix.row(r).data(), cols,
                         out.data() + r * cols * size);
  }
  return out;
}

}  // namespace sketchd
