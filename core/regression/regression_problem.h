// A least-squares / LASSO problem min ‖Ax − b‖ with tall A (n ≫ d), and the
// input checks every solver runs first, so a bad request fails with a message
// that says what to fix instead of a NaN answer or a failed factorisation.
#ifndef SKETCHD_CORE_REGRESSION_REGRESSION_PROBLEM_H_
#define SKETCHD_CORE_REGRESSION_REGRESSION_PROBLEM_H_

#include "absl/status/status.h"
#include "core/matrix_types.h"

namespace sketchd {

struct RegressionProblem {
  RowMatrixXd a;  // n×d design matrix
  VectorXd b;     // n right-hand side
};

// InvalidArgument when: A is empty (no rows or no columns); d > n (the
// problem is underdetermined: sketching needs a tall matrix); b's length is
// not n; any entry of A or b is NaN/Inf (the message names the first one).
absl::Status ValidateRegressionInput(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b);
absl::Status ValidateRegressionInput(const CsrMatrix& a, const Eigen::Ref<const VectorXd>& b);
// The same checks except the entries of A, for callers that check those in
// a pass they make anyway (Solve's scan for max|A|).
absl::Status ValidateRegressionShape(int64_t n, int64_t d, const Eigen::Ref<const VectorXd>& b);
inline absl::Status ValidateRegressionProblem(const RegressionProblem& problem) {
  return ValidateRegressionInput(problem.a, problem.b);
}

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_REGRESSION_PROBLEM_H_
