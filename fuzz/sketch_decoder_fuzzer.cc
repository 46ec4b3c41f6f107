// Sketch bytes with the checksum recomputed, so mutations reach the
// structural checks behind it. Properties: a decoded sketch re-encodes to
// the same bytes, has m <= n, and applies to a matrix of n rows.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/sketch/sketch_serialization.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  sketchd::fuzz::RecomputeTrailingChecksum(bytes);
  auto sketch = sketchd::ParseSketch(bytes);
  if (!sketch.ok()) return 0;
  SKETCHD_FUZZ_CHECK(sketch->rows() <= sketch->cols());
  SKETCHD_FUZZ_CHECK(sketchd::SerializeSketch(*sketch) == bytes);
  const sketchd::MatrixXd a = sketchd::MatrixXd::Ones(sketch->cols(), 2);
  const sketchd::MatrixXd sa = sketch->Apply(a);
  SKETCHD_FUZZ_CHECK(sa.rows() == sketch->rows() && sa.cols() == 2);
  return 0;
}
