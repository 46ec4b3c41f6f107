// The captured energy of every trial placement of one column in greedy
// position learning, from one small eigendecomposition per column instead of
// one per trial.
//
// Setting (one training matrix): X is SA with column j already taken out
// (m×d), a = A[j] (the row of A that column j of S multiplies), G = AᵀA.
// Trial (p, s) puts a into row p with sign s: X' = X + s·e_p aᵀ, and greedy
// needs f(p, s) = Σ top-k eigenvalues of G compressed to row(X').
//
// Every row(X') lies in W = row(X) + span(a). With the spanning set
// B = [X; aᵀ] ((m+1)×d) its Gram matrices are bordered versions of the
// pencil greedy already keeps, M_B = [[XXᵀ, Xa], [aᵀXᵀ, aᵀa]] and
// K_B = [[XGXᵀ, XGa], [aᵀGXᵀ, aᵀGa]]. Whitening M_B = VΛVᵀ by T = VΛ^{-1/2}
// gives H = TᵀK_B T, G compressed to W in an orthonormal basis. When B has
// full rank m+1, row(X') is a hyperplane of W, and its normal in those
// coordinates is w = Tᵀ(e_m − s·e_p): the coefficient vector e_m − s·e_p is
// orthogonal to [I_m | s·e_p], which maps B to the rows of X'. So f(p, s) is
// the sum of the top k eigenvalues of H compressed to w⊥, which interlace
// H's eigenvalues λ and are the roots of the secular equation
// Σ_i ẑ_i² / (λ_i − μ) = 0 with ẑ = Uᵀw/‖w‖ (H = U diag(λ) Uᵀ).
// Per trial that is O(m) to form ẑ plus O(m) per root iteration, against the
// two m×m eigensolves of a full recomputation. Empty buckets (zero rows of X)
// are left out of B; a trial into one spans all of W.
#ifndef SKETCHD_CORE_TRAINING_GREEDY_COLUMN_TRIALS_H_
#define SKETCHD_CORE_TRAINING_GREEDY_COLUMN_TRIALS_H_

#include <cstdint>
#include <vector>

#include "core/matrix_types.h"

namespace sketchd {

// Per-thread scratch for ColumnTrials::Captured (no allocation per trial).
struct SecularScratch {
  VectorXd weights;
  std::vector<double> poles;
  std::vector<double> pole_weights;
  std::vector<double> eigenvalues;
};

class ColumnTrials {
 public:
  // gram_x = XXᵀ and gram_xgx = XGXᵀ of the state without the column;
  // xa = Xa, xga = XGa, a_sq = aᵀa, aga = aᵀGa. Returns false (and the caller
  // must recompute trials in full) when B without X's zero rows is rank
  // deficient to working precision: a in row(X), or dependent rows of X.
  bool Prepare(const MatrixXd& gram_x, const MatrixXd& gram_xgx, const VectorXd& xa,
               const VectorXd& xga, double a_sq, double aga, int64_t k);

  // f(p, sign) as above; only valid after Prepare returned true.
  double Captured(Index p, double sign, SecularScratch* scratch) const;

 private:
  std::vector<Index> slot_;  // row of X → its index in B, −1 for an empty bucket
  MatrixXd coords_t_;  // (TU)ᵀ: column i is row i of TU, so ŵ = col(r) − s·col(slot)
  VectorXd lambda_;    // eigenvalues of H, ascending
  double uncompressed_sum_ = 0;  // Σ top-k of λ: any trial into an empty bucket
  int64_t k_ = 0;
};

// Σ of the top k eigenvalues of diag(lambda) compressed to the orthogonal
// complement of the unit vector z (lambda ascending, size ≥ 1). Exposed for
// tests.
double TopCompressedEigenvalueSum(const VectorXd& lambda, const VectorXd& z, int64_t k,
                                  SecularScratch* scratch);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_GREEDY_COLUMN_TRIALS_H_
