// The one training entry point: the server's training backend, `sketchctl
// local train` and the Python bindings all call TrainSketch, so choosing the
// routine by task and splitting [A | b] happen here only.
//
//   options.task == lowrank     TrainLowRankSketch(matrices, …)      (train_low_rank.h)
//     with options.transpose    TrainLowRankSketch(Aᵢᵀ, …): the sketch acts on the
//                               d columns (n of the result = d of the matrices),
//                               the range sketch R of one-pass LowRank; its
//                               validation figures are measured on the held-out Aᵢᵀ
//   options.task == regression  each matrix is [A | b] (b its last column):
//                               TrainRegressionSketch(problems, …)   (train_regression.h)
//
// The matrices are taken by value and released as they are split, so a
// caller that moves them in holds one copy of the data at a time. Errors are
// the routines' (INVALID_ARGUMENT for bad options or inputs, CANCELLED when
// the token fires); a regression matrix with fewer than 2 columns is
// INVALID_ARGUMENT naming it; transpose with the regression task is
// INVALID_ARGUMENT (CheckTrainOptions). Built as its own library (sketchd_train_sketch)
// because it sits above both training/ and regression/.
#ifndef SKETCHD_CORE_TRAIN_SKETCH_H_
#define SKETCHD_CORE_TRAIN_SKETCH_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_control.h"

namespace sketchd {

absl::StatusOr<TrainedSketch> TrainSketch(std::vector<RowMatrixXd> matrices,
                                          const TrainOptions& options,
                                          const ProgressCallback& progress,
                                          const CancelToken* cancel);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAIN_SKETCH_H_
