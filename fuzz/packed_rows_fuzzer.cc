// Packed row decoding as the streaming RPCs use it. The first 17 bytes pick
// the dtype and a declared rows×cols (any int64, to reach the overflow and
// sign checks); the rest is the payload. Properties: a decoded matrix encodes
// back to exactly the payload, and the finiteness scan of uploads agrees
// with decoding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/io/packed_rows.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 17) return 0;
  const auto dtype = (data[0] & 1) ? sketchd::ElementType::kFloat32 : sketchd::ElementType::kFloat64;
  int64_t rows = 0, cols = 0;
  std::memcpy(&rows, data + 1, 8);
  std::memcpy(&cols, data + 9, 8);
  // Half the time, keep the shape small and consistent with the payload so
  // the value checks are reached, not only the size check.
  size_t payload_size = size - 17;
  if (data[0] & 2) {
    const int64_t width = sketchd::ElementSize(dtype);
    cols = 1 + (cols & 7);
    rows = static_cast<int64_t>(payload_size) / (cols * width);
    payload_size = static_cast<size_t>(rows * cols * width);
  }
  const absl::string_view payload(reinterpret_cast<const char*>(data + 17), payload_size);
  auto m = sketchd::DecodeLittleEndianRows(payload, dtype, rows, cols);
  // The upload path scans without decoding: it must agree with decoding
  // whenever the size matched.
  const auto expected = sketchd::PackedBytes(dtype, rows, cols);
  if (expected.ok() && *expected == static_cast<int64_t>(payload.size()) && rows > 0 &&
      cols > 0) {
    const bool scan_ok =
        sketchd::CheckFinitePackedRows("fuzz", payload, dtype, 0, cols).ok();
    SKETCHD_FUZZ_CHECK(scan_ok == m.ok());
  }
  if (!m.ok()) return 0;
  SKETCHD_FUZZ_CHECK(m->rows() == rows && m->cols() == cols);
  SKETCHD_FUZZ_CHECK(sketchd::EncodeLittleEndian(*m, dtype) == std::string(payload));
  return 0;
}
