// Validation figures: how well a sketch does on held-out (normalised)
// matrices, measured with the production SCW path (ScwLowRank) and the
// accurate residual of low_rank_error.h, not with the training loss.
#ifndef SKETCHD_CORE_TRAINING_VALIDATION_H_
#define SKETCHD_CORE_TRAINING_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_set.h"

namespace sketchd {

// Per held-out matrix: ‖A − YZᵀ‖_F − ‖A − A_k‖_F of SCW with `sketch`, each
// matrix scaled to top singular value 1 (optimal_error must be filled), in
// the order of `matrices`. CANCELLED if the token fires.
absl::StatusOr<std::vector<double>> ExcessErrors(const CountSketch& sketch,
                                                 const std::vector<TrainingMatrix>& matrices,
                                                 int64_t k, int threads,
                                                 const TrainingControl& control);
// The same for a dense sketch S (m×n): SCW from SA = S·A.
absl::StatusOr<std::vector<double>> ExcessErrorsDense(const MatrixXd& sketch,
                                                      const std::vector<TrainingMatrix>& matrices,
                                                      int64_t k, int threads,
                                                      const TrainingControl& control);

// Their means (0 for no matrices).
absl::StatusOr<double> MeanExcessError(const CountSketch& sketch,
                                       const std::vector<TrainingMatrix>& matrices, int64_t k,
                                       int threads, const TrainingControl& control);
absl::StatusOr<double> MeanExcessErrorDense(const MatrixXd& sketch,
                                            const std::vector<TrainingMatrix>& matrices,
                                            int64_t k, int threads, const TrainingControl& control);

// Figures from per-matrix values (learned[i] and random[i] on matrix i;
// random[i] already averaged over the seeds): count, means and sample sds.
ValidationFigures FiguresFromPerMatrix(std::string metric, const std::vector<double>& learned,
                                       const std::vector<double>& random, int random_seeds);

// The figures stored with a trained sketch: the learned sketch and, per
// matrix, the mean over `random_seeds` random CountSketches with the same m;
// means and sds over the matrices.
absl::StatusOr<ValidationFigures> LowRankValidationFigures(
    const CountSketch& learned, const std::vector<TrainingMatrix>& matrices, int64_t k,
    uint64_t seed, int random_seeds, int threads, const TrainingControl& control);
// The same figures for a learned sketch of m×n whose per-matrix excess
// errors are already known (e.g. from ExcessErrorsDense).
absl::StatusOr<ValidationFigures> ValidationAgainstRandom(
    const std::vector<double>& learned_excess, int64_t m, int64_t n,
    const std::vector<TrainingMatrix>& matrices, int64_t k, uint64_t seed, int random_seeds,
    int threads, const TrainingControl& control);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_VALIDATION_H_
