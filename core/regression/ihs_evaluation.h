// How fast IHS-LASSO converges with a given sketch schedule: the figure
// heavy_rows training is validated by and the learning benchmark reports.
//
//   e_t = f(x_t) − f(x*),  f = ½‖Ax − b‖²,  x* the exact LASSO optimum;
//   rate ρ = (e_t / e_1)^{1/t} with t = rate_iterations (7), or the last t
//   with e_t above the numerical floor (floor_relative·f(x*)) if IHS got
//   there sooner; if even e_2 is below the floor, ρ is bounded by
//   (floor/e_1)^{1/2}. e_t is computed as a stable gap (LeastSquaresObjectiveGap).
#ifndef SKETCHD_CORE_REGRESSION_IHS_EVALUATION_H_
#define SKETCHD_CORE_REGRESSION_IHS_EVALUATION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/ihs.h"
#include "core/regression/regression_problem.h"

namespace sketchd {

struct IhsRateOptions {
  int rate_iterations = 7;
  double floor_relative = 1e-12;
  double target_relative = 1e-6;  // for iterations_to_target
  int max_iterations = 50;
};

struct IhsLassoEvaluation {
  double rate = 0;
  int iterations_to_target = -1;  // first t with e_t ≤ target·f(x*); −1 if never
  std::vector<double> relative_errors;  // e_t / f(x*), t = 0, 1, ...
};

// `ihs` supplies the sketch schedule (mode, sketch, heavy rows, seed, fresh
// spec); its lasso_lambda, iteration and tolerance fields are overridden.
absl::StatusOr<IhsLassoEvaluation> EvaluateIhsLasso(const RegressionProblem& problem,
                                                    const LassoReference& reference, double lambda,
                                                    IhsOptions ihs, const IhsRateOptions& options = {});

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_IHS_EVALUATION_H_
