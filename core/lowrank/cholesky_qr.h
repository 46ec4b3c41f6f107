// CholeskyQR2: the R of a thin QR of a tall, well-conditioned matrix from its
// small Gram matrix, in place (Fukaya, Nakatsukasa, Yanagisawa, Yamamoto,
// "CholeskyQR2", 2014).
//
// Why: SCW needs R of AV (n×r). Householder dgeqrf spends its time in
// level-2 panel updates and needs AV copied into column order; measured on
// 5760×1080, m = 320 it cost 3.5× the AV GEMM itself. CholeskyQR2 is three
// BLAS-3 calls (syrk, trsm, syrk) on the buffer SCW already has:
//   G = BᵀB = R₁ᵀR₁ (Cholesky);  B ← B R₁⁻¹;  BᵀB = R₂ᵀR₂;  R = R₂R₁.
// After the first step B's columns are orthonormal to O(κ²ε); the second
// step restores orthogonality to O(ε) and R to Householder quality, provided
// κ(B) is below about (n·r·ε)^{-1/2}. Past that the Gram matrix has lost
// the small singular values, so the caller must fall back to Householder;
// the condition is estimated (LAPACK dtrcon) before B is modified.
#ifndef SKETCHD_CORE_LOWRANK_CHOLESKY_QR_H_
#define SKETCHD_CORE_LOWRANK_CHOLESKY_QR_H_

#include <cstdint>

#include "core/matrix_types.h"

namespace sketchd {

// A tall dense matrix in caller-owned memory, in either storage order.
struct TallMatrixView {
  double* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t leading = 0;  // row stride (row major) or column stride (column major)
  bool row_major = true;
};

enum class CholeskyQrOutcome {
  kDone,       // B now holds Q₁ = B R₁⁻¹; `first` = R₁, `triangle` = R
  kUntouched,  // too ill-conditioned (or not tall): B unchanged, use Householder
  kClobbered,  // the second Cholesky failed after B was overwritten (should not
               // happen past the condition check): recompute B, use Householder
};

struct CholeskyQrFactors {
  MatrixXd first;     // R₁ (r×r upper): B_original = Q₁ R₁
  MatrixXd triangle;  // R = R₂R₁ (r×r upper): B_original = Q R, Q orthonormal
  MatrixXd second;    // R₂ (r×r upper): Q = Q₁ R₂⁻¹
};

// G = BᵀB, r×r column major, upper triangle only (the lower is zero): one
// dsyrk in B's own layout.
MatrixXd UpperGram(const TallMatrixView& b);

CholeskyQrOutcome CholeskyQr2InPlace(const TallMatrixView& b, CholeskyQrFactors* out);

// The same, then B ← Q₁R₂⁻¹ = Q (orthonormal to O(ε)): an orthonormal basis
// of B's columns in place, for a B with full column rank and κ(B) in the
// range above (SCW's row-space basis of a well-conditioned sketch). Same
// outcomes; on kDone B holds Q and `out` R₁ and R.
CholeskyQrOutcome CholeskyQr2OrthonormalizeInPlace(const TallMatrixView& b,
                                                   CholeskyQrFactors* out);

// Shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto, Yanagisawa,
// 2020): a first Cholesky of BᵀB + sI, s = 11(n·r + r(r+1))·ε·‖B‖_F², maps
// B to B R₀⁻¹ with singular values σᵢ/√(σᵢ² + s), which CholeskyQR2 then
// orthonormalizes when their condition is within its range (n·r·ε)^{-1/2}/10.
// One more dsyrk and dtrsm than CholeskyQR2, for κ(B) up to about
// 1e4·‖B‖₂/√s instead of ~1e4 at 1080×320: ~3e8 when ‖B‖_F ≈ ‖B‖₂ (a
// steep spectrum), up to √r less for a flat one. On kDone B holds Q and
// `first` = `triangle` = R with B = QR; kClobbered when B turned out
// numerically rank-deficient after it was overwritten (the caller
// recomputes it); kUntouched as above.
CholeskyQrOutcome ShiftedCholeskyQr3OrthonormalizeInPlace(const TallMatrixView& b,
                                                         CholeskyQrFactors* out);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_CHOLESKY_QR_H_
