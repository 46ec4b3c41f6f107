// The dense learned sketch `subspace` (Liu, Xiao, Ding, Yang, ICLR 2023):
// S = U_mᵀ, the top-m left singular vectors of the stacked normalised
// training matrices [A_1/σ₁(A_1), …, A_N/σ₁(A_N)], i.e. the top-m
// eigenvectors of G = Σ A_i A_iᵀ / σ₁(A_i)².
//
// Why it wins on stable families: SCW's error depends only on the row space
// of SA; if the family's dominant column space is U_m, then S = U_mᵀ captures
// the top-k right singular subspace of every member far better than random
// hashing. It costs one n×m GEMM more than a CountSketch per request (SA is
// dense), and it is also the best start subspace for power iterations.
//
// G is formed explicitly (n² memory, Σ n²d flops) when n ≤ kSubspaceGramMaxRows;
// beyond that a randomized range finder on G (Halko–Martinsson–Tropp 2011,
// Alg. 4.4 with Rayleigh–Ritz) applies G as Σ A_i (A_iᵀ X), so memory is
// O(n·m) and the cost 2(q + 1) passes over the training set.
//
// Spread over processes (sketchmpi), both sums over the training matrices —
// G itself, or G·X of the range finder — run through Reducer::OrderedSum:
// each process adds its own matrices' terms to the running sum in training
// order, as the single-process loop does, so S is bitwise the same for any
// number of processes when each holds a contiguous block of the order. The
// price: the n×n (or n×(m+10)) running sum travels through every process.
#ifndef SKETCHD_CORE_TRAINING_SUBSPACE_SKETCH_H_
#define SKETCHD_CORE_TRAINING_SUBSPACE_SKETCH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"
#include "core/parallel/reducer.h"
#include "core/training/training_control.h"
#include "core/training/training_set.h"

namespace sketchd {

inline constexpr int64_t kSubspaceGramMaxRows = 4096;

// S (m×n, orthonormal rows). INVALID_ARGUMENT unless 1 ≤ m ≤ n and the
// matrices share n; CANCELLED when the control fires. `gram_max_rows` picks
// the method (tests lower it to compare the two).
absl::StatusOr<MatrixXd> TrainSubspaceSketch(const std::vector<TrainingMatrix>& train, int64_t m,
                                             uint64_t seed, const TrainingControl& control,
                                             int64_t gram_max_rows = kSubspaceGramMaxRows);

// The same over a training set spread over processes: `train` lists every
// matrix, those of other processes as placeholders (HeldHere in
// ivy_training.h), n is their common row count, and every process gets S.
// Null reducer: all are here, as above.
absl::StatusOr<MatrixXd> TrainSubspaceSketch(const std::vector<TrainingMatrix>& train, int64_t n,
                                             int64_t m, uint64_t seed,
                                             const TrainingControl& control, Reducer* reducer,
                                             int64_t gram_max_rows = kSubspaceGramMaxRows);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_SUBSPACE_SKETCH_H_
