// The SCW training loss and its analytic gradient (no autograd in C++).
//
// For one matrix A (n×d) and a sketch S, SCW answers [A V]_k Vᵀ with V an
// orthonormal basis of row(X), X = SA. Its squared error is
//   L(X) = ‖A‖_F² − f(X),   f(X) = Σ top-k eigenvalues of Vᵀ G V,  G = AᵀA,
// because ‖A − [AV]_k Vᵀ‖² = ‖A − AVVᵀ‖² + ‖AV − [AV]_k‖² = ‖A‖² − ‖[AV]_k‖².
// Only G enters f, so any F with FᵀF = G (A itself, or R of A = QR when A is
// tall) can stand in for A.
//
// Derivation of ∂L/∂X (see scw_gradient.cc for the full argument):
//   ∂L/∂X = −2 · U Σ⁻¹ W_k (W_kᵀ Vᵀ G − Λ_k W_kᵀ Vᵀ)
// with X = U Σ Vᵀ the thin SVD (numerical rank r), Vᵀ G V = W Λ Wᵀ, and W_k,
// Λ_k its top-k eigenpairs. Then, because X = SA is linear in the values,
//   ∂L/∂v_{b,j} = ⟨∂L/∂X[p_{b,j}, :], A[j, :]⟩
// for the entry of column j in block b of a (possibly stacked) CountSketch.
#ifndef SKETCHD_CORE_TRAINING_SCW_GRADIENT_H_
#define SKETCHD_CORE_TRAINING_SCW_GRADIENT_H_

#include <cstdint>
#include <vector>

#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

struct ScwObjective {
  double captured = 0;  // f(X): energy of A captured by the rank-k SCW answer
  int64_t rank = 0;     // numerical rank r of X
  MatrixXd grad_x;      // ∂L/∂X (m×d), only when requested
};

// f(X) and optionally ∂L/∂X for L = ‖A‖² − f, given F with FᵀF = AᵀA.
// Never returns non-finite values for finite inputs: rank-deficient X is
// truncated at the LAPACK tolerance (the same as RowSpaceBasis), and when the
// k-th and (k+1)-th eigenvalues (nearly) coincide the gradient uses the
// average over the tied eigenvectors (a valid, symmetric subgradient of the
// top-k sum, which is not differentiable there).
ScwObjective EvaluateScwObjective(const MatrixXd& x, ConstRowMajorRef gram_factor, int64_t k,
                                  bool want_gradient);

// L = ‖A‖² − f(SA) for one matrix, and if `grad` is non-null the gradient
// with respect to the values of the blocks b with trainable[b] true,
// concatenated block-major (n entries per trainable block). `frob_sq` is ‖A‖²
// of the matrix the loss is about; when that is c·a for the given `a` (and
// gram factor), pass weight = c² and frob_sq = c²‖a‖² (the loss and gradient
// are homogeneous of degree 2 in A).
double ScwLossAndValueGradient(const CountSketch& sketch, ConstRowMajorRef a,
                               ConstRowMajorRef gram_factor, double frob_sq, int64_t k,
                               const std::vector<bool>& trainable, VectorXd* grad,
                               double weight = 1.0);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_SCW_GRADIENT_H_
