// Packed rows: row-major little-endian float32/float64 values, the payload of
// the streaming RPCs (UploadTrainingMatrices, LowRank, Solve, LowRank's
// factor chunks) and of stored training matrices. The one codec of that
// format: the client packs rows and the server packs factor rows with
// EncodeLittleEndian; the server decodes with DecodePackedRows.
//
// The element type is core's ElementType, restricted to kFloat32 and
// kFloat64. Its code on the wire (sketchd.v1.DType) and in the store is 1
// for float32 and 2 for float64 (PackedTypeFromCode / PackedTypeCode).
//
// Decoding checks the byte count against the declared shape (overflow-safe,
// before anything is allocated or written) and rejects NaN/Inf naming the
// global row and column, so a bad value is reported while the stream is
// still open, not after the whole upload. Byte order is fixed
// (little-endian) so client and server need agree on nothing but the type.
#ifndef SKETCHD_CORE_IO_PACKED_ROWS_H_
#define SKETCHD_CORE_IO_PACKED_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/io/element_type.h"
#include "core/matrix_types.h"

namespace sketchd {

// Code 1 → kFloat32, 2 → kFloat64; anything else InvalidArgument naming
// `field` (e.g. "LowRank header").
absl::StatusOr<ElementType> PackedTypeFromCode(int code, absl::string_view field);
// kFloat32 → 1, kFloat64 → 2 (other types are not packed: -1).
int PackedTypeCode(ElementType type);

// Bytes of rows×cols packed values of `type`; InvalidArgument if the shape
// is negative, the product overflows, or `type` is not float32/float64.
absl::StatusOr<int64_t> PackedBytes(ElementType type, int64_t rows, int64_t cols);

// Decodes rows×cols values from `bytes` (exactly PackedBytes of them) into
// dst, row i at dst + i·dst_stride. Non-finite values are InvalidArgument
// "<what>: row R, column C is NaN" with R = first_row + i (global row).
absl::Status DecodePackedRows(absl::string_view what, absl::string_view bytes, ElementType type,
                              int64_t first_row, int64_t rows, int64_t cols, double* dst,
                              int64_t dst_stride);

// The same into `out` (out.rows() × out.cols() values), e.g. straight into
// rows [r, r + k) of the matrix being received.
absl::Status DecodeLittleEndianRowsInto(absl::string_view bytes, ElementType type,
                                        int64_t first_row, Eigen::Ref<RowMatrixXd> out);

// A new rows×cols matrix; sizes are checked before it is allocated.
absl::StatusOr<RowMatrixXd> DecodeLittleEndianRows(absl::string_view bytes, ElementType type,
                                                   int64_t rows, int64_t cols);

// Finiteness scan of packed rows of `cols` columns without keeping them
// (uploads are stored packed). Same error as DecodePackedRows.
absl::Status CheckFinitePackedRows(absl::string_view what, absl::string_view bytes,
                                   ElementType type, int64_t first_row, int64_t cols);

// The inverse (type kFloat32 or kFloat64; anything else encodes as
// float64). For kFloat32, values round to nearest float and magnitudes
// beyond float's range become ±inf — which decoding then rejects — so send
// float64 unless the data is known to fit.
std::string EncodeLittleEndian(const ConstRowMajorRef& matrix, ElementType type);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_PACKED_ROWS_H_
