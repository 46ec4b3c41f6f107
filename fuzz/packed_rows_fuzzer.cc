// Packed row decoding as the streaming RPCs use it. The first 17 bytes pick
// the dtype and a declared rows×cols (any int64, to reach the overflow and
// sign checks); the rest is the payload. Property: a decoded matrix encodes
// back to exactly the payload.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/io/packed_rows.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 17) return 0;
  const auto dtype = (data[0] & 1) ? sketchd::PackedDtype::kFloat32 : sketchd::PackedDtype::kFloat64;
  int64_t rows = 0, cols = 0;
  std::memcpy(&rows, data + 1, 8);
  std::memcpy(&cols, data + 9, 8);
  // Half the time, keep the shape small and consistent with the payload so
  // the value checks are reached, not only the size check.
  size_t payload_size = size - 17;
  if (data[0] & 2) {
    const int64_t width = sketchd::PackedDtypeSize(dtype);
    cols = 1 + (cols & 7);
    rows = static_cast<int64_t>(payload_size) / (cols * width);
    payload_size = static_cast<size_t>(rows * cols * width);
  }
  const absl::string_view payload(reinterpret_cast<const char*>(data + 17), payload_size);
  auto m = sketchd::DecodeLittleEndianRows(payload, dtype, rows, cols);
  if (!m.ok()) return 0;
  SKETCHD_FUZZ_CHECK(m->rows() == rows && m->cols() == cols);
  SKETCHD_FUZZ_CHECK(sketchd::EncodeLittleEndian(*m, dtype) == std::string(payload));
  return 0;
}
