// Validation figures: how well a sketch does on held-out (normalised)
// matrices, measured with the production SCW path (ScwLowRank) and the
// accurate residual of low_rank_error.h, not with the training loss.
#ifndef SKETCHD_CORE_TRAINING_VALIDATION_H_
#define SKETCHD_CORE_TRAINING_VALIDATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_set.h"

namespace sketchd {

// Mean of ‖A − YZᵀ‖_F − ‖A − A_k‖_F over `matrices` (optimal_error must be
// filled). CANCELLED if the token fires.
absl::StatusOr<double> MeanExcessError(const CountSketch& sketch,
                                       const std::vector<TrainingMatrix>& matrices, int64_t k,
                                       int threads, const TrainingControl& control);

// The same for a dense sketch S (m×n): SCW from SA = S·A.
absl::StatusOr<double> MeanExcessErrorDense(const MatrixXd& sketch,
                                            const std::vector<TrainingMatrix>& matrices,
                                            int64_t k, int threads, const TrainingControl& control);

// The figures stored with a trained sketch: the learned sketch and the mean
// over `random_seeds` random CountSketches with the same m.
absl::StatusOr<ValidationFigures> LowRankValidationFigures(
    const CountSketch& learned, const std::vector<TrainingMatrix>& matrices, int64_t k,
    uint64_t seed, int random_seeds, int threads, const TrainingControl& control);
// The same figures for a learned sketch of m×n whose mean excess error is
// already known (e.g. from MeanExcessErrorDense).
absl::StatusOr<ValidationFigures> ValidationAgainstRandom(
    double learned_mean_excess, int64_t m, int64_t n, const std::vector<TrainingMatrix>& matrices,
    int64_t k, uint64_t seed, int random_seeds, int threads, const TrainingControl& control);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_VALIDATION_H_
