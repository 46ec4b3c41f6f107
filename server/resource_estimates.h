// Peak memory of a request or a training job, from its shapes alone, so it
// can be refused before anything is allocated (see memory_budget.h). Each
// estimate adds up the dense buffers the code path holds at the same time;
// all arithmetic saturates at INT64_MAX, so absurd headers (m = 2^31 − 1,
// n·d beyond int64) give a huge estimate rather than an overflow.
//
// The training and solve estimates live here until core exports its own
// (EstimateTrainingBytes / EstimateSolveBytes); then these forward to core.
#ifndef SKETCHD_SERVER_RESOURCE_ESTIMATES_H_
#define SKETCHD_SERVER_RESOURCE_ESTIMATES_H_

#include <cstdint>

#include "core/training/trained_sketch.h"

namespace sketchd {

// LowRank: A (n×d) kept for the second pass, SA (m×d) and its SVD
// workspace, the basis V (d×r), AV (n×r) and its QR, the factors
// (n+d)×k; r = min(m, d). Plus the sketch's positions and values (12 n).
int64_t EstimateLowRankRequestBytes(int64_t n, int64_t d, int64_t m, int64_t k);

// Solve: [A | b] (n×(d+1)), b, the sketched [SA | Sb] (m×(d+1)) twice
// (sketch and its QR), R (d×d), and the solver's n-vectors (LSQR/IHS keep
// at most 6). m = 0 means the solver's default (8d, at most n).
int64_t EstimateSolveRequestBytes(int64_t n, int64_t d, int64_t m);

// Training job over `num_matrices` stored n×cols matrices: the stored bytes
// and their float64 copies (both held while decoding), one m×cols sketch
// per matrix (SA of every training matrix is kept by the gradient methods),
// and per worker thread an n×cols work matrix plus an m×cols one.
int64_t EstimateTrainingJobBytes(const TrainOptions& options, int64_t num_matrices, int64_t n,
                                 int64_t cols, int64_t stored_bytes, int threads);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_RESOURCE_ESTIMATES_H_
