#include "core/training/scw_gradient.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sketchd {

// Derivation.
//
// Let P = X⁺X, the orthogonal projector onto row(X) (d×d), so P = VVᵀ. The
// nonzero eigenvalues of P G P are those of Vᵀ G V, hence
//   f(X) = Σ_{i≤k} λ_i(P G P),  with eigenvectors q_i = V w_i  (Q = V W_k).
// Envelope (Hellmann–Feynman) theorem, valid while λ_k > λ_{k+1}:
//   df = Σ_{i≤k} q_iᵀ d(PGP) q_i = tr(Qᵀ (dP G P + P G dP) Q) = 2 tr(Qᵀ dP G Q),
// using PQ = Q and the symmetry of dP and G.
// Differential of the projector at constant rank (Golub–Pereyra):
//   dP = X⁺ dX (I − P) + (I − P) dXᵀ (X⁺)ᵀ.
// The second term contributes nothing because Qᵀ(I − P) = 0, so
//   df = 2 tr(Qᵀ X⁺ dX (I − P) G Q) = 2 ⟨(X⁺)ᵀ Q Qᵀ G (I − P), dX⟩.
// With X = U Σ Vᵀ: (X⁺)ᵀ Q = U Σ⁻¹ Vᵀ V W_k = U Σ⁻¹ W_k, and
//   Qᵀ G (I − P) = W_kᵀ Vᵀ G − W_kᵀ (Vᵀ G V) Vᵀ = W_kᵀ Vᵀ G − Λ_k W_kᵀ Vᵀ.
// Therefore ∂f/∂X = 2 U Σ⁻¹ W_k (Qᵀ G − Λ_k Qᵀ) and ∂L/∂X = −∂f/∂X.
//
// Computation with B = F V (rows(F)×r): Vᵀ G V = BᵀB, and Qᵀ G = (B W_k)ᵀ F,
// so nothing of size d×d or n×d beyond F itself is formed. Cost per matrix:
// O(m²d) for the SVD of X, O(rows(F)·d·(r + k)) for B and QᵀG.
//
// Ties at the k-th eigenvalue. When λ_k = λ_{k+1} the top-k eigenspace is not
// unique and f has a kink. We widen to the cluster of eigenvalues within a
// relative 1e-9 of λ_k: with c cluster members of which t lie in the top k,
// every member gets weight t/c (the others weight 1 or 0). The resulting
// "gradient" Σ_i w_i q_iᵀ d(PGP) q_i is the average of the one-sided
// derivatives, finite and a descent direction; away from ties it is exact.
ScwObjective EvaluateScwObjective(const MatrixXd& x, ConstRowMajorRef gram_factor, int64_t k,
                                  bool want_gradient) {
  ScwObjective out;
  const Index m = x.rows(), d = x.cols();
  if (want_gradient) out.grad_x = MatrixXd::Zero(m, d);
  if (m == 0 || d == 0) return out;

  Eigen::JacobiSVD<MatrixXd> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const VectorXd& sigma = svd.singularValues();
  const double tol = static_cast<double>(std::max(m, d)) * std::numeric_limits<double>::epsilon() *
                     (sigma.size() > 0 ? sigma(0) : 0.0);
  Index r = 0;
  while (r < sigma.size() && sigma(r) > tol && sigma(r) > 0) ++r;
  out.rank = r;
  if (r == 0) return out;  // SA = 0: SCW answers 0, L = ‖A‖², no direction helps locally

  const MatrixXd v = svd.matrixV().leftCols(r);  // d×r
  const MatrixXd b = gram_factor * v;            // rows(F)×r
  const MatrixXd h = b.transpose() * b;          // Vᵀ G V, r×r
  Eigen::SelfAdjointEigenSolver<MatrixXd> eig(h);
  // Descending order.
  const VectorXd lambda = eig.eigenvalues().reverse();
  const MatrixXd w = eig.eigenvectors().rowwise().reverse();

  const Index kk = std::min<Index>(k, r);
  VectorXd weight = VectorXd::Zero(r);
  weight.head(kk).setOnes();
  if (kk < r) {
    const double gap_tol = 1e-9 * std::max(std::abs(lambda(0)), std::numeric_limits<double>::min());
    if (lambda(kk - 1) - lambda(kk) <= gap_tol) {
      Index lo = kk - 1, hi = kk;
      while (lo > 0 && lambda(lo - 1) - lambda(lo) <= gap_tol) --lo;
      while (hi + 1 < r && lambda(hi) - lambda(hi + 1) <= gap_tol) ++hi;
      const double share = static_cast<double>(kk - lo) / static_cast<double>(hi - lo + 1);
      weight.segment(lo, hi - lo + 1).setConstant(share);
    }
  }
  Index used = r;
  while (used > 0 && weight(used - 1) == 0) --used;
  out.captured = weight.head(used).dot(lambda.head(used));
  if (!want_gradient) return out;

  const MatrixXd w_used = w.leftCols(used);                   // r×c
  const MatrixXd qt = w_used.transpose() * v.transpose();     // Qᵀ, c×d
  MatrixXd qtg = (b * w_used).transpose() * gram_factor;      // Qᵀ G, c×d
  qtg -= lambda.head(used).asDiagonal() * qt;                 // Qᵀ G (I − P)
  qtg = weight.head(used).asDiagonal() * qtg;
  // U Σ⁻¹ W_c: m×c.
  const MatrixXd left =
      svd.matrixU().leftCols(r) * (sigma.head(r).cwiseInverse().asDiagonal() * w_used);
  out.grad_x.noalias() = -2.0 * left * qtg;
  return out;
}

double ScwLossAndValueGradient(const CountSketch& sketch, ConstRowMajorRef a,
                               ConstRowMajorRef gram_factor, double frob_sq, int64_t k,
                               const std::vector<bool>& trainable, VectorXd* grad,
                               double weight) {
  const MatrixXd x = sketch.Apply(a);
  const bool want = grad != nullptr;
  ScwObjective obj = EvaluateScwObjective(x, gram_factor, k, want);
  if (want) {
    const int64_t n = sketch.cols();
    int trainable_blocks = 0;
    for (int b = 0; b < sketch.num_blocks(); ++b) trainable_blocks += trainable[b] ? 1 : 0;
    grad->setZero(static_cast<Index>(trainable_blocks) * n);
    // Row access on ∂L/∂X: copy to row-major once (m×d, small).
    const RowMatrixXd gx = obj.grad_x;
    const auto& positions = sketch.positions();
    Index slot = 0;
    for (int b = 0; b < sketch.num_blocks(); ++b) {
      if (!trainable[b]) continue;
      for (int64_t j = 0; j < n; ++j) {
        (*grad)(slot * n + j) = gx.row(positions[b * n + j]).dot(a.row(j));
      }
      ++slot;
    }
    if (weight != 1.0) *grad *= weight;
  }
  return frob_sq - weight * obj.captured;
}

}  // namespace sketchd
