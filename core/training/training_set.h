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

// The normalised matrix is A/σ₁(A), but it is not copied: the SCW loss and
// its gradient are homogeneous of degree 2 in A and the excess error of
// degree 1, so code works on the caller's matrix and scales the small
// results (copying a training set of 159 video frames costs more in page
// faults than training inner_product). Only matrices whose σ₁ is so small or
// large that squares would under/overflow are copied, already normalised.
struct TrainingMatrix {
  const RowMatrixXd* source = nullptr;  // the caller's matrix (outlives training)
  RowMatrixXd owned;                    // normalised copy when badly scaled
  double inv_scale = 1;  // raw() · inv_scale is the normalised matrix
  double scale = 0;      // σ₁ of the original matrix
  double frob_sq = 0;    // ‖A‖_F² of the normalised matrix
  // F with FᵀF = rawᵀraw and min(n, d) rows: the losses only depend on AᵀA,
  // so for tall A (n > d) the d×d triangular factor R of A = QR stands in for
  // A and every loss evaluation gets cheaper. Empty when n ≤ d (F = raw).
  RowMatrixXd gram_factor_storage;
  // ‖A − A_k‖_F of the normalised matrix; only filled for matrices that are
  // evaluated (validation), since it needs a full set of singular values.
  double optimal_error = -1;

  const RowMatrixXd& raw() const { return owned.size() > 0 ? owned : *source; }
  // Weight turning a squared quantity of raw() into the normalised one.
  double loss_weight() const { return inv_scale * inv_scale; }
  ConstRowMajorRef gram_factor() const {
    return gram_factor_storage.size() > 0 ? ConstRowMajorRef(gram_factor_storage)
                                          : ConstRowMajorRef(raw());
  }
};

// σ₁(A) by power iteration on the smaller Gram side (a few matrix-vector
// products), falling back to LAPACK when it does not settle.
absl::StatusOr<double> TopSingularValue(ConstRowMajorRef a);

// Prepares matrices[i] for i in `indices` (in parallel; `matrices` must
// outlive the result); with
// `with_optimum`, also computes optimal_error for rank k.
absl::StatusOr<std::vector<TrainingMatrix>> PrepareTrainingMatrices(
    const std::vector<RowMatrixXd>& matrices, const std::vector<int64_t>& indices, bool with_optimum,
    int64_t k, int threads, const TrainingControl& control);

// Fills optimal_error (rank k) of already prepared matrices, in parallel.
absl::Status FillOptimalErrors(std::vector<TrainingMatrix>* matrices, int64_t k, int threads,
                               const TrainingControl& control);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_TRAINING_SET_H_
