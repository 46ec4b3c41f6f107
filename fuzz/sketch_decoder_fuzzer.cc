// Sketch bytes with the checksum recomputed, so mutations reach the
// structural checks behind it. Properties: a decoded sketch has m <= n and
// applies to a matrix of n rows; version 2 bytes re-encode to themselves
// (the encoding is canonical, random blocks included); version 1 bytes
// re-encode as version 2 to the same sketch.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/sketch/sketch_serialization.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  sketchd::fuzz::RecomputeTrailingChecksum(bytes);
  // A 46-byte random block may name 2^31 columns; expanding (and applying)
  // that would only measure the machine, under the 2 GB RSS limit.
  const sketchd::SketchDecodeLimits limits{.max_random_entries = int64_t{1} << 20};
  auto sketch = sketchd::ParseSketch(bytes, limits);
  if (!sketch.ok()) return 0;
  SKETCHD_FUZZ_CHECK(sketch->rows() <= sketch->cols());
  const std::string again = sketchd::SerializeSketch(*sketch);
  if (bytes[4] == sketchd::kSketchFormatVersion) {
    SKETCHD_FUZZ_CHECK(again == bytes);
  } else {
    auto reparsed = sketchd::ParseSketch(again, limits);
    SKETCHD_FUZZ_CHECK(reparsed.ok() && *reparsed == *sketch);
  }
  const sketchd::MatrixXd a = sketchd::MatrixXd::Ones(sketch->cols(), 2);
  const sketchd::MatrixXd sa = sketch->Apply(a);
  SKETCHD_FUZZ_CHECK(sa.rows() == sketch->rows() && sa.cols() == 2);
  return 0;
}
