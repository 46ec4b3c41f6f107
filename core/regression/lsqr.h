// LSQR (Paige & Saunders 1982) for min ‖A R⁻¹ y − b‖, x = R⁻¹ y, with the
// standard atol/btol/conlim stopping rules, all relative to the data (no
// absolute epsilon), so they mean the same in any units. R is an optional upper-triangular
// right preconditioner, applied by triangular solves (A R⁻¹ is never formed).
// Each iteration is one fused pass over A (A·v then Aᵀ·u, see DataMatrix).
#ifndef SKETCHD_CORE_REGRESSION_LSQR_H_
#define SKETCHD_CORE_REGRESSION_LSQR_H_

#include <string>
#include <vector>

#include "core/matrix_types.h"
#include "core/regression/data_matrix.h"
#include "core/regression/solve_result.h"
#include "core/training/training_control.h"

namespace sketchd {

struct LsqrOptions {
  // Stop when ‖r‖ ≤ btol·‖b‖ + atol·‖M‖·‖y‖ (compatible systems) or
  // ‖Mᵀr‖ ≤ atol·‖M‖·‖r‖ (least squares), M = A R⁻¹ and norms are LSQR's
  // running estimates; or when the estimated cond(M) exceeds conlim.
  double atol = 1e-14;
  double btol = 1e-14;
  double conlim = 1e12;
  int max_iterations = 0;        // 0 → 2·d + 1000
  bool record_residuals = false; // estimate of ‖r_k‖ per iteration
  const CancelToken* cancel = nullptr;  // polled every iteration → istop 8
  int threads = 0;  // threads of each pass over an in-process dense A; 0 = all cores
};

struct LsqrResult {
  VectorXd x;
  int iterations = 0;
  // 0 x = 0 is exact, 1 compatible system solved, 2 least-squares solved,
  // 3 cond(M) > conlim, 4–6 as 1–3 at machine precision, 7 iteration limit,
  // 8 cancelled.
  int istop = 0;
  std::string stop_reason;
  double residual_norm_estimate = 0;   // ‖r‖
  double normal_residual_estimate = 0; // ‖Mᵀr‖
  double anorm = 0;                    // ‖M‖_F estimate
  double acond = 0;                    // cond(M) estimate
  std::vector<double> residual_history;
};

// What LSQR needs of A. Every quantity LSQR forms is either a d-vector or
// lives on A's rows (u, b), so a row-distributed A (one block per MPI rank)
// runs the same iteration when these two operations return global values:
// Aᵀu and ‖u‖² summed over the blocks, ‖b‖ of the whole vector.
class LsqrOperator {
 public:
  virtual ~LsqrOperator() = default;
  virtual int64_t cols() const = 0;
  // u ← A·v − alpha·u, then w ← Aᵀ·u (with the new u); returns ‖u‖².
  virtual double MultiplyThenAdjoint(const VectorXd& v, double alpha, VectorXd* u,
                                     VectorXd* w) const = 0;
  // ‖b‖ for a vector with one entry per (local) row of A.
  virtual double Norm(const Eigen::Ref<const VectorXd>& b) const = 0;
};

// How an LSQR run ended, in the solvers' terms (istop 3/6 ill-conditioned,
// 7 iteration limit, else converged; 8, cancelled, is the caller's to turn
// into a status). Shared by Solve and the row-distributed (MPI) solver.
SolveConvergence LsqrConvergence(int istop);

// `r` may be nullptr (plain LSQR). b.size() == a.rows(); r is d×d upper
// triangular and nonsingular (callers check with UpperTriangularFactor).
LsqrResult Lsqr(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b, const MatrixXd* r,
                const LsqrOptions& options);
// The same iteration on any operator (e.g. a row-distributed A).
LsqrResult Lsqr(const LsqrOperator& a, const Eigen::Ref<const VectorXd>& b, const MatrixXd* r,
                const LsqrOptions& options);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_LSQR_H_
