// A right preconditioner for LSQR from the Cholesky factor of AᵀA, for dense
// A that is far from rank deficiency.
//
// Why: with R from the sketch SA (m = 8d), A R⁻¹ has κ ≈ 1.5–2 and LSQR needs
// ~30 passes over A to reach 1e-14. With R = chol(fl(AᵀA)), A R⁻¹ is
// orthonormal up to O(ε·κ(A)²) (the Gram matrix's rounding), so LSQR
// converges in 2–4 passes, and LSQR's own iterations on A (not on the Gram
// matrix) keep the answer at QR accuracy — the squared condition number
// only affects the preconditioner, never the solution. The Gram matrix is
// one BLAS-3 syrk (n·d² flops, threaded); on 100 000×1000 that is less
// than the sketch, its QR and 30 passes together (bench/perf).
// When κ(A) is too large for this (estimated κ(R) above kMaxGramCondition,
// or the Cholesky fails), the caller uses the sketch preconditioner, which
// works at any condition number short of rank deficiency.
#ifndef SKETCHD_CORE_REGRESSION_GRAM_PRECONDITIONER_H_
#define SKETCHD_CORE_REGRESSION_GRAM_PRECONDITIONER_H_

#include <optional>

#include "core/matrix_types.h"
#include "core/regression/data_matrix.h"

namespace sketchd {

// κ(A) up to which the Gram factor is used: ε·κ² ≈ 2e-4 here, so A R⁻¹ has
// singular values within ~1e-4 of 1 and LSQR still gains ~4 digits a pass.
inline constexpr double kMaxGramCondition = 1e6;

// R (d×d upper, R ᵀR = fl(AᵀA) with A including its scale), or nullopt when
// A is sparse, has no columns, or its estimated condition exceeds
// kMaxGramCondition.
// `condition`, when given, receives the estimated κ(R) = κ(A) (dtrcon).
std::optional<MatrixXd> GramPreconditioner(const DataMatrix& a, double* condition = nullptr);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_GRAM_PRECONDITIONER_H_
