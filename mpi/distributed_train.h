// `sketchmpi train`: core's training methods on a training set spread over
// MPI ranks by files. The orchestration of core's TrainLowRankSketch /
// TrainRegressionSketch (split, normalisation, method, validation) is
// repeated here with every sum over matrices going through the
// communicator — core/training/train_low_rank.cc and
// core/regression/train_regression.cc are single-process and owned by the
// training seam; the per-method maths is core's, called through the Reducer
// hooks (core/parallel/reducer.h):
//
//  - files: rank p reads files ⌊F·p/P⌋ … ⌊F·(p+1)/P⌋ − 1 of the expanded
//    argument list (a 3-D .npy counts as its k matrices), so each rank holds
//    a contiguous block of the global matrix order;
//  - ivy, mixed, inner_product --refine-values: LearnSketchValues with
//    ValueLearningConfig::reducer — per-member gradients and losses of each
//    minibatch summed (exact, one owner per member), full losses likewise;
//  - inner_product: the mean of the normalised training matrices by
//    Reducer::OrderedSum (a running sum through the ranks in matrix order =
//    core's serial loop, bitwise); ridge leverage scores, sampling and bucket
//    assignment then run on that n×d mean, identically on every rank;
//  - heavy_rows: per-problem leverage votes (counts and summed scores) by
//    OrderedSum, then core's HeavyRowsFromVotes;
//  - validation: per held-out matrix figures computed where it lives, summed
//    (one owner each), averaged in core's order.
// So the sketch and its figures are bitwise those of `sketchctl local train`
// with the same options for any P (tested for P = 1, 2, 3), up to BLAS
// kernels that vary with the thread count.
//
// Not offered: greedy, subspace, heavy_rows --learn-values, --time-budget
// (ranks could disagree on when time is up); refused with a usage error.
#ifndef SKETCHD_MPI_DISTRIBUTED_TRAIN_H_
#define SKETCHD_MPI_DISTRIBUTED_TRAIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"
#include "mpi/communicator.h"

namespace sketchd {

struct DistributedTrainingSet {
  int64_t total = 0;                // matrices on all ranks
  int64_t first = 0;                // global index of local[0]
  int64_t files = 0;                // files on all ranks
  int64_t rows = 0, cols = 0;       // the common shape
  std::vector<RowMatrixXd> local;   // this rank's matrices, in global order
};

// Collective. Expands `inputs` (files or directories, as sketchctl), reads
// this rank's files, and agrees on the count and the common shape. Errors
// (a file a rank cannot read, differing shapes) reach every rank.
absl::StatusOr<DistributedTrainingSet> ReadDistributedTrainingSet(
    Communicator& comm, const std::vector<std::string>& inputs);

// Collective; `progress` is called on every rank (the caller prints on one).
absl::StatusOr<TrainedSketch> DistributedTrainSketch(Communicator& comm,
                                                     const DistributedTrainingSet& set,
                                                     const TrainOptions& options,
                                                     const ProgressCallback& progress);

}  // namespace sketchd

#endif  // SKETCHD_MPI_DISTRIBUTED_TRAIN_H_
