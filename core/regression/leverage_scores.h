// Statistical leverage scores ℓ_i = ‖Q_i‖² (row norms² of the thin Q of A):
// the share of the column space carried by row i. Σℓ_i = rank ≤ d.
#ifndef SKETCHD_CORE_REGRESSION_LEVERAGE_SCORES_H_
#define SKETCHD_CORE_REGRESSION_LEVERAGE_SCORES_H_

#include "core/matrix_types.h"

namespace sketchd {

// Householder thin QR, O(n·d²). Assumes full column rank (a rank-deficient A
// gets scores from Q's d columns, some of which are then arbitrary).
VectorXd LeverageScores(ConstRowMajorRef a);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_LEVERAGE_SCORES_H_
