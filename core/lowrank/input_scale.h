// Safe scaling of the input of SCW, and ‖A‖_F for its exact error.
//
// SCW is homogeneous: SCW(A/s) = SCW(A)/s. Entries near the ends of the
// double range (|a| ~ 1e308 or ~ 1e-300) overflow or underflow inside AV,
// the power iterates and the squared norms (a projection entry can reach
// ‖A‖_F), which without care gives OK with singular values near 0. So the
// maths runs on A/s with s a power of two (exact, no rounding), chosen only
// when ‖A‖_F² leaves a safe window (then SCW works on a scaled copy: rare
// inputs pay memory, everyday ones nothing). Everyday inputs keep s = 1 and
// pay one read of A, which also yields ‖A‖_F² for the a-posteriori error.
#ifndef SKETCHD_CORE_LOWRANK_INPUT_SCALE_H_
#define SKETCHD_CORE_LOWRANK_INPUT_SCALE_H_

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

struct InputScale {
  int exponent = 0;                // s = 2^exponent; the maths runs on A/s
  double scaled_squared_norm = 0;  // ‖A/s‖_F²
  bool needs_scaling() const { return exponent != 0; }
};

// `known_squared_norm` is ‖A‖_F² when the caller accumulated it while A
// arrived (< 0: unknown, read A here). INVALID_ARGUMENT names the first
// non-finite entry.
absl::StatusOr<InputScale> MeasureInput(ConstRowMajorRef a, double known_squared_norm);
absl::StatusOr<InputScale> MeasureInput(ConstColMajorRef a, double known_squared_norm);
absl::StatusOr<InputScale> MeasureInput(const CsrMatrix& a, double known_squared_norm);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_INPUT_SCALE_H_
