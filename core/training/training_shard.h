// A training family as one process sees it when the family is spread over
// processes (sketchmpi): this process holds the contiguous block of matrices
// first … first + local.size() − 1 of `total`, in the family's order, and
// sums over the family go through `reducer` (core/parallel/reducer.h). One
// process holding everything, with no reducer, is the ordinary case.
//
// Trainers keep one vector entry per matrix of the family and leave the
// entries of other processes' matrices as placeholders (TrainingMatrix with
// no source; HeldHere in ivy_training.h), so indices, splits, minibatches and
// subsamples are the single-process ones on every process.
#ifndef SKETCHD_CORE_TRAINING_TRAINING_SHARD_H_
#define SKETCHD_CORE_TRAINING_TRAINING_SHARD_H_

#include <cstdint>
#include <vector>

#include "core/matrix_types.h"
#include "core/parallel/reducer.h"
#include "core/training/training_set.h"

namespace sketchd {

struct TrainingShard {
  const std::vector<RowMatrixXd>* local = nullptr;  // this process's matrices
  int64_t first = 0;   // family index of (*local)[0]
  int64_t total = 0;   // matrices in the family, on all processes
  int64_t rows = 0;    // n, common to the family
  int64_t cols = 0;    // d when common to the family (always with a reducer), else 0
  Reducer* reducer = nullptr;  // null: one process holds the whole family

  int64_t count() const { return static_cast<int64_t>(local->size()); }
  bool holds(int64_t index) const { return index >= first && index < first + count(); }
};

// The whole family on one process (rows, cols from the matrices).
TrainingShard WholeFamily(const std::vector<RowMatrixXd>& matrices);

// Positions in shard.local of the family indices in `indices` held here.
std::vector<int64_t> LocalPositions(const TrainingShard& shard, const std::vector<int64_t>& indices);

// One entry per index of `indices` (sorted): this process's `prepared`
// matrices (as from PrepareTrainingMatrices over LocalPositions) in place,
// placeholders elsewhere.
std::vector<TrainingMatrix> PlaceLocal(const TrainingShard& shard,
                                       const std::vector<int64_t>& indices,
                                       std::vector<TrainingMatrix> prepared);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_SHARD_H_
