// SCW low-rank approximation (Clarkson–Woodruff; Indyk–Vakilian–Yuan Alg. 1).
//
// Given A (n×d), a sketch S (m×n) and a target rank k:
//   X = SA (m×d);  V = orthonormal basis of row(X) (d×r, r = numerical rank);
//   [AV]_k = U_k Σ_k W_kᵀ;  Y = U_k Σ_k (n×k),  Z = V W_k (d×k);  A ≈ Y Zᵀ.
// Costs O(nnz(A)) for SA plus O(n·d·r) for AV; the n×d product is never formed.
//
// Documented edge cases:
//  * k < 1 or k > min(n, d): InvalidArgument.
//  * m < k: allowed, but then r ≤ m < k (see next point).
//  * rank(SA) = r < k (including A = 0 or SA = 0): the best rank-r answer is
//    returned, padded with zero columns so Y is n×k and Z is d×k, and the
//    missing singular values are 0. `rank` reports r.
//  * m > n: fine; the sketch then carries no compression.
//  * Non-finite entries in A or SA: InvalidArgument.
#ifndef SKETCHD_CORE_LOWRANK_SCW_LOW_RANK_H_
#define SKETCHD_CORE_LOWRANK_SCW_LOW_RANK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

struct LowRankTimings {
  double sketch_seconds = 0;   // X = SA
  double basis_seconds = 0;    // SVD of X → V
  double project_seconds = 0;  // AV
  double svd_seconds = 0;      // QR + SVD of AV → factors
  double total_seconds = 0;
};

struct LowRankFactors {
  MatrixXd left;             // Y = U_k Σ_k, n×k
  MatrixXd right;            // Z = V W_k, d×k, orthonormal columns (zero padding aside)
  VectorXd singular_values;  // σ_1 ≥ … ≥ σ_k of [AV]_k (zeros past `rank`)
  int64_t rank = 0;          // numerical rank r of SA, capped at k in the output
  LowRankTimings timings;
};

// SCW with a CountSketch: the production path.
absl::StatusOr<LowRankFactors> ScwLowRank(const CountSketch& sketch, ConstRowMajorRef a, int64_t k);
absl::StatusOr<LowRankFactors> ScwLowRankColMajor(const CountSketch& sketch, ConstColMajorRef a,
                                                  int64_t k);
absl::StatusOr<LowRankFactors> ScwLowRank(const CountSketch& sketch, const CsrMatrix& a, int64_t k);

// SCW from an already computed X = SA (any sketch: Gaussian, stacked,
// streamed). Used by the streaming server path and the baselines.
absl::StatusOr<LowRankFactors> ScwFromSketched(const MatrixXd& sketched, ConstRowMajorRef a,
                                               int64_t k);
absl::StatusOr<LowRankFactors> ScwFromSketchedColMajor(const MatrixXd& sketched,
                                                       ConstColMajorRef a, int64_t k);

// The last SCW step, shared with the row-distributed (MPI) path, which gets
// R from a TSQR: with RᵀR = (AV)ᵀ(AV) (r×r) and R = U Σ Wᵀ, the kept singular
// values (at most k, those above max(n, r)·eps·σ_1) and their columns of W
// (r×kept). Then Y = (AV)·W and Z = V·W, so Q of AV is never formed.
struct TriangleSvd {
  VectorXd singular_values;
  MatrixXd right_vectors;
};
TriangleSvd TruncatedTriangleSvd(const MatrixXd& triangle, int64_t n, int64_t k);

// Orthonormal basis (d×r) of the row space of X, r = numerical rank with the
// LAPACK-style tolerance max(m, d)·eps·σ_1. Exposed for training code.
MatrixXd RowSpaceBasis(const MatrixXd& sketched);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_SCW_LOW_RANK_H_
