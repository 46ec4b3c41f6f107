// CountSketches that give chosen ("heavy", high-leverage) rows a bucket of
// their own (Li et al. 2023 §6): colliding two high-leverage rows is what
// makes a random CountSketch a poor subspace embedding, so those rows are
// kept apart and only the light rows are hashed.
#ifndef SKETCHD_CORE_REGRESSION_HEAVY_ROWS_SKETCH_H_
#define SKETCHD_CORE_REGRESSION_HEAVY_ROWS_SKETCH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

// heavy_rows[k] → bucket k with value +1 (k < h = heavy_rows.size() < m);
// every other row → uniform bucket in [h, m) with a ±1 value, from
// Philox(seed). Rows must be distinct and in [0, n).
absl::StatusOr<CountSketch> HeavyRowsSketch(int64_t m, int64_t n, const std::vector<int32_t>& heavy_rows,
                                            uint64_t seed);

// The sketch IHS uses at each iteration with a heavy-rows-only sketch: heavy
// rows keep their bucket and value from `base` (one block); the other rows
// are re-hashed uniformly over the buckets no heavy row occupies, ±1 values,
// from Philox(seed).
absl::StatusOr<CountSketch> RehashLightRows(const CountSketch& base,
                                            const std::vector<int32_t>& heavy_rows, uint64_t seed);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_HEAVY_ROWS_SKETCH_H_
