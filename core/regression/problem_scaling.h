// Scale-invariance of the solvers. A least-squares problem is the same problem
// in any units: scaling A by α and b by β scales x by β/α and changes nothing
// else. Floating point only agrees when the data stay far from under/overflow
// and when no stopping test compares a data-dependent quantity with an
// absolute constant. Solve therefore hands every solver the normalised
// problem Â = A·2^−ea, b̂ = b·2^−eb with max|Â|, max|b̂| in [1/2, 1) — powers of
// two, so the scaling itself is exact — and maps the answer back:
// x = x̂·2^(eb−ea), ‖Ax − b‖ = ‖Âx̂ − b̂‖·2^eb, the LASSO radius λ̂ = λ·2^(ea−eb).
// A answer that is not representable (x beyond the range of double) is an
// InvalidArgument naming the scales, never an inf or a silent 0.
#ifndef SKETCHD_CORE_REGRESSION_PROBLEM_SCALING_H_
#define SKETCHD_CORE_REGRESSION_PROBLEM_SCALING_H_

#include "absl/status/statusor.h"
#include "core/matrix_types.h"

namespace sketchd {

struct ProblemScaling {
  int a_exponent = 0;  // A = 2^a_exponent · Â
  int b_exponent = 0;  // b = 2^b_exponent · b̂ (0 when b = 0)

  // From max|a_ij| and max|b_i| (0 allowed: the exponent stays 0).
  static ProblemScaling FromMaxAbs(double a_max_abs, double b_max_abs);
};

// v·2^e for |e| up to ~2100 (two exact steps, so 2^e itself need not be a
// representable double).
void MultiplyByPowerOfTwo(int e, Eigen::Ref<VectorXd> v);
double MultiplyByPowerOfTwo(int e, double v);

// λ̂ = λ·2^(ea−eb); InvalidArgument if it leaves the normal range of double.
absl::StatusOr<double> ScaledLassoRadius(const ProblemScaling& s, double lambda);

// x = x̂·2^(eb−ea) in place; InvalidArgument if some entry overflows.
absl::Status UnscaleSolution(const ProblemScaling& s, VectorXd* x);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_PROBLEM_SCALING_H_
