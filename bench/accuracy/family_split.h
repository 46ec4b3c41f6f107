// The benchmark families, their train/test split and the (k, m) list,
// shared by `accuracy` and `pareto` so both (and pareto.py, which reads the
// test indices `pareto` prints) measure the same held-out matrices.
#ifndef SKETCHD_BENCH_ACCURACY_FAMILY_SPLIT_H_
#define SKETCHD_BENCH_ACCURACY_FAMILY_SPLIT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

// A 3-D .npy family, or a directory of 2-D .npy files (sorted by name).
absl::StatusOr<std::vector<RowMatrixXd>> LoadFamily(const std::string& path);

// Random split by Philox keys of (split_seed, index): round(fraction·N)
// training indices (at least 1, at most N − 1), both lists ascending.
struct FamilySplit {
  std::vector<int64_t> train, test;
};
FamilySplit SplitFamily(int64_t count, double fraction, uint64_t split_seed);

// "10:20,20:40" → {(10, 20), (20, 40)}; INVALID_ARGUMENT on anything else.
absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> ParseRankSketchPairs(
    const std::string& text);

}  // namespace sketchd

#endif  // SKETCHD_BENCH_ACCURACY_FAMILY_SPLIT_H_
