#include "core/sketch/random_block.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "core/sketch/philox.h"

namespace sketchd {

absl::string_view CountSketchDistributionName(CountSketchDistribution distribution) {
  switch (distribution) {
    case CountSketchDistribution::kUniformRowsRademacher:
      return "uniform_rows_rademacher";
  }
  return "unknown";
}

absl::Status CheckRandomBlock(const RandomBlockDescriptor& block, int64_t n) {
  if (block.distribution != CountSketchDistribution::kUniformRowsRademacher) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown CountSketch distribution id ", static_cast<int>(block.distribution),
        " (this build knows 1 = uniform_rows_rademacher)"));
  }
  if (n < 0 || block.counter > std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a random block of n = ", n, " columns starting at Philox counter ", block.counter,
        " runs past the end of the 64-bit counter space; start it at a lower counter"));
  }
  return absl::OkStatus();
}

bool SharesDraws(const RandomBlockDescriptor& a, const RandomBlockDescriptor& b, int64_t n) {
  if (a.distribution != b.distribution || a.seed != b.seed || n <= 0) return false;
  // [a.counter, a.counter + n) and [b.counter, b.counter + n) intersect; both
  // ends are representable once CheckRandomBlock has passed.
  const uint64_t width = static_cast<uint64_t>(n);
  return a.counter < b.counter + width && b.counter < a.counter + width;
}

void DrawRandomBlock(const RandomBlockDescriptor& block, int64_t m, std::span<int32_t> positions,
                     std::span<double> values) {
  const uint32_t rows = static_cast<uint32_t>(m);
  for (size_t j = 0; j < positions.size(); ++j) {
    const auto w = PhiloxWords(block.seed, kCountSketchStream, block.counter + j);
    positions[j] = static_cast<int32_t>(WordToIndex(w[0], rows));
    values[j] = (w[1] & 1u) ? 1.0 : -1.0;
  }
}

}  // namespace sketchd
