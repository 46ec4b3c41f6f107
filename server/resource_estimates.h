// Peak memory of a LowRank request, from its header alone, so it can be
// refused before anything is allocated (see memory_budget.h). It adds up the
// dense buffers the streaming path holds at the same time; all arithmetic
// saturates at INT64_MAX, so absurd headers give a huge estimate rather than
// an overflow. Solve and training use core's own estimates
// (EstimateSolveBytes, EstimateTrainingBytes), which know the solvers' and
// trainers' working sets.
#ifndef SKETCHD_SERVER_RESOURCE_ESTIMATES_H_
#define SKETCHD_SERVER_RESOURCE_ESTIMATES_H_

#include <cstdint>


namespace sketchd {

// LowRank: A (n×d) kept for the second pass, SA (m×d) and its SVD
// workspace, the basis V (d×r), AV (n×r) and its QR, the factors
// (n+d)×k; r = min(m, d). Plus the sketch's positions and values (12 n).
// With block_krylov (and power_iters q ≥ 1) the basis is w =
// KrylovBasisWidth(r, q, d) columns wide: the kept blocks plus the current
// iterate, d×(w + r), and AV with its QR, n×w each.
int64_t EstimateLowRankRequestBytes(int64_t n, int64_t d, int64_t m, int64_t k,
                                    int64_t power_iters, bool block_krylov);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_RESOURCE_ESTIMATES_H_
