// SCW low-rank approximation of a row-distributed A (each rank holds a
// contiguous block A_p of rows), with the maths of core/lowrank:
//
//   SA = Σ_p S[:, rows_p] A_p          local accumulation + one m×d sum
//   V  = RowSpaceBasis(SA)             the same d×r on every rank
//   q times (power iterations):        V ← orth(Aᵀ orth(AV)), one r×r TSQR
//                                      and one d×r sum each (see the .cc)
//   A_p V                              local GEMM (n_p×r)
//   R  = TSQR of the blocks A_p V      local QR, r×r factors reduced
//   R = U Σ Wᵀ, kept ≤ k values        TruncatedTriangleSvd, as core does
//   Y_p = (A_p V) W,  Z = V W
//
// Only m×d and r×r pieces travel. Compared with core's ScwLowRank on the
// whole A, two things are summed in a different order: the entries of SA
// (per rank, then across ranks) and R (a tree of QRs instead of one QR), so
// results agree to rounding (≤ 1e-12 relative for well-separated σ_k), and
// Y, Z agree up to the sign of each column pair (y_i, z_i) — Y Zᵀ and σ
// themselves are sign-free. For a fixed number of ranks every step runs in a
// fixed order, so results are bitwise reproducible.
#ifndef SKETCHD_MPI_DISTRIBUTED_LOW_RANK_H_
#define SKETCHD_MPI_DISTRIBUTED_LOW_RANK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"
#include "mpi/communicator.h"
#include "mpi/distributed_npy.h"

namespace sketchd {

struct DistributedLowRank {
  RowMatrixXd local_left;    // this rank's rows of Y (n_p×k)
  MatrixXd right;            // Z (d×k), the same on every rank
  VectorXd singular_values;  // k values, zeros past `rank`
  int64_t rank = 0;
  LowRankTimings timings;    // this rank's wall time per step, communication included
  // (power iterations are counted in power_seconds below, not in timings)
  double power_seconds = 0;
};

// Collective. `a` holds this rank's rows; n = a.total_rows. Argument errors
// (k, sketch shape) are the same on every rank, so no agreement is needed.
absl::StatusOr<DistributedLowRank> DistributedScwLowRank(Communicator& comm,
                                                         const CountSketch& sketch,
                                                         const LocalRows& a, int64_t cols,
                                                         int64_t k, int64_t power_iters);

}  // namespace sketchd

#endif  // SKETCHD_MPI_DISTRIBUTED_LOW_RANK_H_
