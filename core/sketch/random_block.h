// How a random block of a CountSketch was drawn: a distribution and the
// Philox state (key = seed, first counter) its draws start from. With the
// block's m and n it defines the block exactly — RandBLAS's model of a random
// sketching operator as a value (distribution, RNG state) — so a random block
// is stored as these few bytes and expanded on demand.
//
// Column j of an m×n block takes counter `counter + j`, so a block uses the
// counters [counter, counter + n); the next block drawn from the same seed
// starts at `NextCounter(n)`, never reusing a draw (CountSketch::Stack refuses
// two blocks whose ranges overlap: their columns would be the same draws).
//
// A plain value: trivially copyable, no allocation; thread-compatible.
#ifndef SKETCHD_CORE_SKETCH_RANDOM_BLOCK_H_
#define SKETCHD_CORE_SKETCH_RANDOM_BLOCK_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sketchd {

// The stored id of each distribution is its enumerator value: never renumber.
enum class CountSketchDistribution : uint8_t {
  // The classical CountSketch: with w = PhiloxWords(seed, kCountSketchStream,
  // counter + j), column j has its nonzero in row WordToIndex(w[0], m) (uniform
  // over the block's rows) with value +1 if w[1] is odd and −1 otherwise.
  kUniformRowsRademacher = 1,
};

// "uniform_rows_rademacher".
absl::string_view CountSketchDistributionName(CountSketchDistribution distribution);

struct RandomBlockDescriptor {
  CountSketchDistribution distribution = CountSketchDistribution::kUniformRowsRademacher;
  uint64_t seed = 0;
  uint64_t counter = 0;  // first Philox counter; column j uses counter + j

  // Where the next block drawn from `seed` starts, after an n-column block.
  // Valid once CheckRandomBlock(*this, m, n) has passed.
  uint64_t NextCounter(int64_t n) const { return counter + static_cast<uint64_t>(n); }

  bool operator==(const RandomBlockDescriptor&) const = default;
};

// InvalidArgument unless the distribution is known and n columns fit in the
// 64-bit counter space after `counter` (m and n themselves are checked by
// CountSketch).
absl::Status CheckRandomBlock(const RandomBlockDescriptor& block, int64_t n);

// Whether two n-column blocks would use a common draw: same distribution and
// seed, overlapping counter ranges.
bool SharesDraws(const RandomBlockDescriptor& a, const RandomBlockDescriptor& b, int64_t n);

// Writes the block's n columns: positions (local, in [0, m)) and values.
// Requires CheckRandomBlock to have passed, 1 ≤ m < 2^31 and both spans of
// size n.
void DrawRandomBlock(const RandomBlockDescriptor& block, int64_t m, std::span<int32_t> positions,
                     std::span<double> values);

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_RANDOM_BLOCK_H_
