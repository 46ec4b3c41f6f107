// `sketchmpi train`: core's trainers (TrainLowRankSketch,
// TrainRegressionSketch) over a training set spread over MPI ranks by files,
// with the communicator as their Reducer (core/parallel/reducer.h). This file
// is glue: reading the files and agreeing on the family, then one call.
//
//  - files: rank p reads files ⌊F·p/P⌋ … ⌊F·(p+1)/P⌋ − 1 of the expanded
//    argument list (a 3-D .npy counts as its k matrices), so each rank holds
//    a contiguous block of the global matrix order — what core's ordered
//    sums need to reproduce its serial loops (training_shard.h,
//    regression_shard.h);
//  - every method and option of core: ivy, mixed, inner_product ± refined
//    values, greedy ± refined values, subspace, heavy_rows ± learned values,
//    random; a time budget is rank 0's clock, agreed at every step.
// So the sketch and its figures are bitwise those of `sketchctl local train`
// with the same options for any P (tested for P = 1, 2, 3), up to BLAS
// kernels that vary with the thread count; with a time budget the stopping
// step is rank 0's, so only the validity of the result can be compared.
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
