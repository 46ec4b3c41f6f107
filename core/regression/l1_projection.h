// Euclidean projection onto the ℓ1 ball {x : ‖x‖₁ ≤ radius}, exactly, by the
// sort-based method of Duchi, Shalev-Shwartz, Singer & Chandra (2008):
// the projection is soft-thresholding sign(v)·max(|v| − θ, 0) with the unique
// θ ≥ 0 that makes ‖x‖₁ = radius, found from the sorted magnitudes in O(d log d).
#ifndef SKETCHD_CORE_REGRESSION_L1_PROJECTION_H_
#define SKETCHD_CORE_REGRESSION_L1_PROJECTION_H_

#include "core/matrix_types.h"

namespace sketchd {

// radius > 0. Points already inside the ball are returned unchanged.
VectorXd ProjectOntoL1Ball(const VectorXd& v, double radius);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_L1_PROJECTION_H_
