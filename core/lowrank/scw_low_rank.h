// SCW low-rank approximation (Clarkson–Woodruff; Indyk–Vakilian–Yuan Alg. 1).
//
// Given A (n×d), a sketch S (m×n) and a target rank k:
//   X = SA (m×d);  V = orthonormal basis of row(X) (d×r, r = numerical rank);
//   [AV]_k = U_k Σ_k W_kᵀ;  Y = U_k Σ_k (n×k),  Z = V W_k (d×k);  A ≈ Y Zᵀ.
// Costs O(nnz(A)) for SA plus O(n·d·r) for AV; the n×d product is never formed.
// On dense row-major A, ‖A‖_F² (for the error below) is summed in the same
// pass as SA (sketch_and_norm.h), AV runs on the AVX2/FMA tall-thin kernel
// when the CPU has it (tall_thin_gemm.h), and V of a well-conditioned wide
// sketch (m ≥ 64) comes from CholeskyQR2 of Xᵀ rather than an SVD.
//
// Power iterations (LowRankOptions::power_iters = q): from V₀ = V, q times
// Q = orth(AV), V = orth(AᵀQ) (Householder each time, so the iterates stay
// orthonormal however fast the spectrum decays); then the answer above with
// the final V. Passes over A: 2 + 2q. The error falls toward ‖A − A_k‖_F
// roughly like (σ_{r+1}/σ_k)^{2q} (Halko–Martinsson–Tropp 2011, §10).
//
// Exact a-posteriori error: for Z = V W_k with V orthonormal,
//   ‖A − YZᵀ‖_F² = ‖A‖_F² − ‖[AV]_k‖_F² = ‖A‖_F² − Σ_{i≤k} σ_i²,
// so every answer carries its own error without forming YZᵀ. The difference
// cancels when the error is tiny next to ‖A‖_F (absolute rounding about
// √(d + r)·ε·‖A‖_F²); when that would cost more than ~1e-10 of the error's
// relative accuracy, ‖A − YZᵀ‖_F is instead summed directly in row panels
// (one more pass and an n×d×k product). Either way `error` is accurate to
// about 1e-10 relative (plus ε·‖A‖_F absolute for errors near ε·‖A‖_F).
//
// Scale: the maths is homogeneous, so inputs whose ‖A‖_F² leaves
// [2^-900, 2^900] (entries near ±1e308 or 1e-300) run on an exactly scaled
// copy A/2^e and the answer is scaled back (see input_scale.h); a result
// that cannot be represented in double is INVALID_ARGUMENT, never a silent
// wrong answer.
//
// Documented edge cases:
//  * k < 1 or k > min(n, d): InvalidArgument.
//  * m < k: allowed, but then r ≤ m < k (see next point). m > n: allowed
//    (no compression). Request entry points (server, CLI) refuse both with
//    CheckSketchSizes; training validation still measures such sketches.
//  * power_iters < 0 or > kMaxPowerIters: InvalidArgument.
//  * rank(SA) = r < k (including A = 0 or SA = 0): the best rank-r answer is
//    returned, padded with zero columns so Y is n×k and Z is d×k, and the
//    missing singular values are 0. `rank` reports r.
//  * Non-finite entries in A: InvalidArgument naming the first one.
#ifndef SKETCHD_CORE_LOWRANK_SCW_LOW_RANK_H_
#define SKETCHD_CORE_LOWRANK_SCW_LOW_RANK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

// More would never pay: each iteration costs two passes over A, and q ≈ 10
// already reaches the optimum to working precision on any spectrum worth
// sketching.
inline constexpr int64_t kMaxPowerIters = 100;

struct LowRankOptions {
  int64_t power_iters = 0;  // q ≥ 0: subspace iterations after the sketch
  // Block Krylov (Musco & Musco, NeurIPS 2015): answer from the span of all
  // iterates [V₀, V₁, …, V_q] instead of V_q alone, at the same 2 + 2q passes.
  // That span contains V_q, so the error is never larger than plain power
  // iterations' (up to rounding), and it converges like (σ_{r+1}/σ_k)^q with
  // the square root of the gap instead of the gap. The price is flops and
  // memory: the last product and the answer's small SVD use
  // KrylovBasisWidth(r, q, d) columns instead of r. No effect when q = 0.
  bool block_krylov = false;
  // ‖A‖_F² when the caller accumulated it while A arrived (the server does);
  // < 0: unknown, so SCW measures it (in the sketching pass for a dense
  // row-major A with a CountSketch, by one more read of A otherwise).
  double input_squared_norm = -1;
};

struct LowRankTimings {
  double sketch_seconds = 0;   // X = SA
  double basis_seconds = 0;    // SVD of X → V
  double power_seconds = 0;    // the q power iterations
  double project_seconds = 0;  // AV (the final one)
  double svd_seconds = 0;      // QR + SVD of AV → factors
  double error_seconds = 0;    // ‖A‖_F² and, when needed, the direct residual
  double total_seconds = 0;
};

struct LowRankFactors {
  MatrixXd left;             // Y = U_k Σ_k, n×k
  MatrixXd right;            // Z = V W_k, d×k, orthonormal columns (zero padding aside)
  VectorXd singular_values;  // σ_1 ≥ … ≥ σ_k of [AV]_k (zeros past `rank`)
  int64_t rank = 0;          // numerical rank r of SA, capped at k in the output
  double error = 0;          // ‖A − YZᵀ‖_F, exact (see the header comment)
  double relative_error = 0; // error / ‖A‖_F (0 when A = 0)
  double input_norm = 0;     // ‖A‖_F
  bool error_from_residual = false;  // error summed directly (cancellation guard)
  int64_t passes = 0;        // reads of A by the algorithm: 2 + 2q (1 for one-pass
                             // two-sided answers, whose error fields stay 0: unknown)
  LowRankTimings timings;
};

// SCW with a CountSketch: the production path.
absl::StatusOr<LowRankFactors> ScwLowRank(const CountSketch& sketch, ConstRowMajorRef a, int64_t k,
                                          const LowRankOptions& options = {});
absl::StatusOr<LowRankFactors> ScwLowRankColMajor(const CountSketch& sketch, ConstColMajorRef a,
                                                  int64_t k, const LowRankOptions& options = {});
absl::StatusOr<LowRankFactors> ScwLowRank(const CountSketch& sketch, const CsrMatrix& a, int64_t k,
                                          const LowRankOptions& options = {});

// SCW from an already computed X = SA (any sketch: Gaussian, dense learned,
// stacked, streamed). Used by the streaming server path and the baselines.
absl::StatusOr<LowRankFactors> ScwFromSketched(const MatrixXd& sketched, ConstRowMajorRef a,
                                               int64_t k, const LowRankOptions& options = {});
absl::StatusOr<LowRankFactors> ScwFromSketchedColMajor(const MatrixXd& sketched,
                                                       ConstColMajorRef a, int64_t k,
                                                       const LowRankOptions& options = {});

// Columns of the block Krylov basis for a sketch of rank r after q
// iterations: r·(q + 1) in whole blocks of r, but never more than d; past
// that the newest block is overwritten by each later iterate. Callers bound n × this × 8 bytes (AK) and
// d × (this + r) × 8 (the blocks) before asking for block_krylov.
int64_t KrylovBasisWidth(int64_t r, int64_t q, int64_t d);

// k ≤ m ≤ n, the sizes a LowRank request must respect (SCW returns at most m
// components; a sketch with more rows than A compresses nothing):
// INVALID_ARGUMENT naming both sizes and the fix.
absl::Status CheckSketchSizes(int64_t n, int64_t m, int64_t k);

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
