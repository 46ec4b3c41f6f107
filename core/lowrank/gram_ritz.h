// The top right singular vectors of a tall W (n×r, r small) as the top
// eigenvectors of its Gram matrix WᵀW: SCW's last step, the SVD of AV, in
// one dsyrk and an r×r symmetric eigensolver.
//
// Why: the exact route (CholeskyQR2 of W, then an SVD of its r×r triangle)
// is two dsyrk, two dtrsm and a dgesdd; at navy_winds' 146×144, r = 40 it
// took 235 µs of a 370 µs SCW, the dgesdd alone 143 µs against 73 µs for
// the eigensolver of WᵀW (single thread, best of 2000).
//
// Accuracy, and when it is refused: WᵀW resolves its eigenvalues only to
// about ε·λ₁, so an eigenvector's angle error is ~ε·λ₁/gap instead of the
// SVD's ~ε·σ₁/gap. The caller's answer is Y = W·Vₖ, Z = V_basis·Vₖ; its
// error ‖A − YZᵀ‖² = ‖A‖² − ‖Y‖² holds for any orthonormal Vₖ, so the
// reported error stays exact whatever the angles, and σᵢ = ‖Y eᵢ‖ is off
// only to second order in them. What the angles cost is optimality, and
// only to second order too. Still, to keep every kept direction well
// resolved, the Gram route is refused (returns false) unless
// λₖ ≥ kGramResolution·λ₁, i.e. σₖ ≥ 1e-4·σ₁: the angle errors are then
// below ~1e-8/relative gap. Below that (nearly rank-deficient AV, steep
// spectra) the caller takes the exact route.
#ifndef SKETCHD_CORE_LOWRANK_GRAM_RITZ_H_
#define SKETCHD_CORE_LOWRANK_GRAM_RITZ_H_

#include <cstdint>

#include "core/lowrank/cholesky_qr.h"
#include "core/matrix_types.h"

namespace sketchd {

inline constexpr double kGramResolution = 1e-8;

// On success `vectors` (r×k', k' = min(k, r)) holds orthonormal eigenvectors
// of WᵀW for its k' largest eigenvalues, in descending order, and true is
// returned. False (vectors untouched) when λ_k' < kGramResolution·λ₁, when
// WᵀW is not finite, or when the eigensolver fails.
bool TopRightSingularVectorsByGram(const TallMatrixView& w, int64_t k, MatrixXd* vectors);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_GRAM_RITZ_H_
