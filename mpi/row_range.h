// Which contiguous rows of an n-row matrix each of P ranks owns.
//
// Rank p owns [⌊n·p/P⌋, ⌊n·(p+1)/P⌋): sizes differ by at most one, ranks
// keep the matrix's row order (rank 0 first), and when P > n some ranks own
// no rows at all — every distributed step below handles an empty block.
#ifndef SKETCHD_MPI_ROW_RANGE_H_
#define SKETCHD_MPI_ROW_RANGE_H_

#include <cstdint>

namespace sketchd {

struct RowRange {
  int64_t first = 0;
  int64_t count = 0;
};

// n < 2^31 (the readers' limit) and 0 ≤ rank < size, so n·(rank+1) fits in int64.
inline RowRange RowRangeOfRank(int64_t n, int rank, int size) {
  const int64_t first = n * rank / size;
  const int64_t end = n * (rank + 1) / size;
  return {first, end - first};
}

}  // namespace sketchd

#endif  // SKETCHD_MPI_ROW_RANGE_H_
