// The training matrices as the learning code sees them: each scaled to top
// singular value 1 (the papers' convention, so every matrix weighs the same
// and reported errors are comparable), with the per-matrix quantities every
// method needs precomputed once.
#ifndef SKETCHD_CORE_TRAINING_TRAINING_SET_H_
#define SKETCHD_CORE_TRAINING_TRAINING_SET_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/training/training_control.h"

namespace sketchd {

struct TrainingMatrix {
  RowMatrixXd a;           // A / σ₁(A) (a zero matrix stays zero)
  double scale = 0;        // σ₁ of the original matrix
  double frob_sq = 0;      // ‖A‖_F² of the normalised matrix
  // F with FᵀF = AᵀA and min(n, d) rows: the losses only depend on AᵀA, so
  // for tall A (n > d) the d×d triangular factor R of A = QR stands in for A
  // and every loss evaluation gets cheaper. Empty when n ≤ d (F = A).
  RowMatrixXd gram_factor_storage;
  // ‖A − A_k‖_F of the normalised matrix; only filled for matrices that are
  // evaluated (validation), since it needs a full set of singular values.
  double optimal_error = -1;

  ConstRowMajorRef gram_factor() const {
    return gram_factor_storage.size() > 0 ? ConstRowMajorRef(gram_factor_storage)
                                          : ConstRowMajorRef(a);
  }
};

// σ₁(A) by power iteration on the smaller Gram side (a few matrix-vector
// products), falling back to LAPACK when it does not settle.
absl::StatusOr<double> TopSingularValue(ConstRowMajorRef a);

// Normalises matrices[i] for i in `indices` (in parallel); with
// `with_optimum`, also computes optimal_error for rank k.
absl::StatusOr<std::vector<TrainingMatrix>> PrepareTrainingMatrices(
    const std::vector<RowMatrixXd>& matrices, const std::vector<int64_t>& indices, bool with_optimum,
    int64_t k, int threads, const TrainingControl& control);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_SET_H_
