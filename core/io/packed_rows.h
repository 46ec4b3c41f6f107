// Row-major little-endian packed matrices: the payload of the streaming
// RPCs (LowRank, Solve, UploadTrainingMatrices) and of nothing else.
//
// The client packs row blocks with EncodeLittleEndian; the server decodes
// each chunk as it arrives, so a bad value is reported with its global row
// and column while the stream is still open, not after the whole upload.
// Byte order is fixed (little-endian) so client and server need not agree
// on anything but the dtype.
#ifndef SKETCHD_CORE_IO_PACKED_ROWS_H_
#define SKETCHD_CORE_IO_PACKED_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/matrix_types.h"

namespace sketchd {

enum class PackedDtype { kFloat32, kFloat64 };

// Bytes per value: 4 or 8.
int PackedDtypeSize(PackedDtype dtype);

// rows×cols values, row-major. InvalidArgument if bytes.size() is not exactly
// rows·cols·size, if rows/cols are negative, or if any value is NaN/Inf (the
// message names the first bad row and column, 0-based).
absl::StatusOr<RowMatrixXd> DecodeLittleEndianRows(absl::string_view bytes, PackedDtype dtype,
                                                   int64_t rows, int64_t cols);

// Same, decoding into `out` (out.rows() × out.cols() values), e.g. straight
// into rows [r, r + k) of the matrix being received. `first_row` is added to
// row numbers in messages so they are global.
absl::Status DecodeLittleEndianRowsInto(absl::string_view bytes, PackedDtype dtype,
                                        int64_t first_row, Eigen::Ref<RowMatrixXd> out);

// The inverse. For kFloat32, values round to nearest float and magnitudes
// beyond float's range become ±inf — which DecodeLittleEndianRows then
// rejects — so send float64 unless the data is known to fit.
std::string EncodeLittleEndian(const ConstRowMajorRef& matrix, PackedDtype dtype);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_PACKED_ROWS_H_
