#include "core/lowrank/cholesky_qr.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sketchd {

MatrixXd UpperGram(const TallMatrixView& b) {
  const int n = static_cast<int>(b.rows), r = static_cast<int>(b.cols);
  const int ld = static_cast<int>(b.leading);
  MatrixXd g = MatrixXd::Zero(r, r);
  if (b.row_major) {
    // Row-major B (n×r) is column-major Bᵀ (r×n): G = (Bᵀ)(Bᵀ)ᵀ.
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, r, n, 1.0, b.data, ld, 0.0, g.data(), r);
  } else {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, r, n, 1.0, b.data, ld, 0.0, g.data(), r);
  }
  return g;
}

namespace {

// Upper Cholesky factor of G in place; false when G is not numerically
// positive definite.
bool Cholesky(MatrixXd* g) {
  const lapack_int r = static_cast<lapack_int>(g->rows());
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', r, g->data(), r) != 0) return false;
  *g = g->triangularView<Eigen::Upper>();
  return g->allFinite();
}

// B ← B R⁻¹ for upper triangular R (column major r×r).
void SolveRight(const TallMatrixView& b, const MatrixXd& upper) {
  const int n = static_cast<int>(b.rows), r = static_cast<int>(b.cols);
  const int ld = static_cast<int>(b.leading);
  // Row-major storage of R is Rᵀ (lower) as seen by a row-major call, so
  // the row-major case asks for op(Rᵀ)ᵀ = R through (Lower, Trans).
  cblas_dtrsm(b.row_major ? CblasRowMajor : CblasColMajor, CblasRight,
              b.row_major ? CblasLower : CblasUpper, b.row_major ? CblasTrans : CblasNoTrans,
              CblasNonUnit, n, r, 1.0, upper.data(), r, b.data, ld);
}

}  // namespace

CholeskyQrOutcome CholeskyQr2InPlace(const TallMatrixView& b, CholeskyQrFactors* out) {
  const int64_t n = b.rows, r = b.cols;
  if (r < 1 || n < r || b.data == nullptr) return CholeskyQrOutcome::kUntouched;
  MatrixXd r1 = UpperGram(b);
  if (!r1.allFinite() || !Cholesky(&r1)) return CholeskyQrOutcome::kUntouched;

  // κ(B) = κ(R₁) (to working accuracy of the Gram matrix). dtrcon's 1-norm
  // estimate is within a small factor of the 2-norm one; demand a margin of
  // ten below the (n·r·ε)^{-1/2} limit so the second step is well inside its
  // proven range.
  double rcond = 0;
  if (LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', static_cast<lapack_int>(r), r1.data(),
                     static_cast<lapack_int>(r), &rcond) != 0) {
    return CholeskyQrOutcome::kUntouched;
  }
  const double limit =
      0.1 / std::sqrt(static_cast<double>(n) * static_cast<double>(r) *
                      std::numeric_limits<double>::epsilon());
  if (!(rcond > 0) || 1.0 / rcond > limit) return CholeskyQrOutcome::kUntouched;

  SolveRight(b, r1);
  MatrixXd r2 = UpperGram(b);
  if (!r2.allFinite() || !Cholesky(&r2)) return CholeskyQrOutcome::kClobbered;
  out->triangle.noalias() = r2.triangularView<Eigen::Upper>() * r1;
  out->first = std::move(r1);
  out->second = std::move(r2);
  return CholeskyQrOutcome::kDone;
}

CholeskyQrOutcome CholeskyQr2OrthonormalizeInPlace(const TallMatrixView& b,
                                                   CholeskyQrFactors* out) {
  const CholeskyQrOutcome outcome = CholeskyQr2InPlace(b, out);
  if (outcome == CholeskyQrOutcome::kDone) SolveRight(b, out->second);
  return outcome;
}

CholeskyQrOutcome ShiftedCholeskyQr3OrthonormalizeInPlace(const TallMatrixView& b,
                                                         CholeskyQrFactors* out) {
  const int64_t n = b.rows, r = b.cols;
  if (r < 1 || n < r || b.data == nullptr) return CholeskyQrOutcome::kUntouched;
  MatrixXd r0 = UpperGram(b);
  if (!r0.allFinite()) return CholeskyQrOutcome::kUntouched;
  // s = 11(n·r + r(r+1))·ε·‖B‖² with ‖B‖_F² = trace(G) ≥ ‖B‖₂² (Fukaya et
  // al. 2020, §3: a larger shift is also safe; it only weakens the bound).
  const double shift = 11.0 * (static_cast<double>(n) * r + static_cast<double>(r) * (r + 1)) *
                       std::numeric_limits<double>::epsilon() * r0.trace();
  if (!(shift > 0)) return CholeskyQrOutcome::kUntouched;
  r0.diagonal().array() += shift;
  if (!Cholesky(&r0)) return CholeskyQrOutcome::kUntouched;
  SolveRight(b, r0);
  // B R₀⁻¹ is now within CholeskyQR2's range unless B itself is numerically
  // rank-deficient, in which case CholeskyQR2 refuses it.
  const CholeskyQrOutcome outcome = CholeskyQr2OrthonormalizeInPlace(b, out);
  if (outcome != CholeskyQrOutcome::kDone) return CholeskyQrOutcome::kClobbered;
  out->triangle = out->triangle.triangularView<Eigen::Upper>() * r0;
  out->first = out->triangle;
  return CholeskyQrOutcome::kDone;
}

}  // namespace sketchd
