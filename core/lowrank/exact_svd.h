// Exact (deterministic) SVD baselines via LAPACK's divide-and-conquer gesdd.
// They define the optimum every sketched answer is measured against.
#ifndef SKETCHD_CORE_LOWRANK_EXACT_SVD_H_
#define SKETCHD_CORE_LOWRANK_EXACT_SVD_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

struct TruncatedSvd {
  MatrixXd u;                // n×k
  VectorXd singular_values;  // k, descending
  MatrixXd v;                // d×k
};

// All min(n, d) singular values, descending (gesdd without vectors: much
// cheaper than a full SVD when only the optimal error is needed).
absl::StatusOr<VectorXd> SingularValues(ConstColMajorRef a);

// A_k = U Σ Vᵀ, the best rank-k approximation (gesdd with thin vectors).
absl::StatusOr<TruncatedSvd> ExactTruncatedSvd(ConstColMajorRef a, int64_t k);

// ‖A − A_k‖_F from the singular values: sqrt(Σ_{i>k} σ_i²).
double OptimalLowRankError(const VectorXd& singular_values, int64_t k);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_EXACT_SVD_H_
