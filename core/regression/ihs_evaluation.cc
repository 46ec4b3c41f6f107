#include "core/regression/ihs_evaluation.h"

#include <algorithm>
#include <cmath>

namespace sketchd {

absl::StatusOr<IhsLassoEvaluation> EvaluateIhsLasso(const RegressionProblem& problem,
                                                    const LassoReference& reference, double lambda,
                                                    IhsOptions ihs, const IhsRateOptions& options) {
  IhsLassoEvaluation out;
  const double fstar = std::max(reference.objective, 1e-300);
  ihs.lasso_lambda = lambda;
  ihs.tolerance = 0;
  ihs.max_iterations = std::max(options.max_iterations, options.rate_iterations);
  ihs.record_objective = false;
  ihs.on_iterate = [&](int, const VectorXd& x) {
    const double gap = LeastSquaresObjectiveGap(problem.a, problem.b, x, reference.x);
    out.relative_errors.push_back(std::max(gap, 0.0) / fstar);
  };
  const DataMatrix a(problem.a, 1);
  auto r = IterativeHessianSketch(a, problem.b, ihs);
  if (!r.ok()) return r.status();
  const std::vector<double>& e = out.relative_errors;
  for (size_t t = 1; t < e.size(); ++t) {
    if (e[t] <= options.target_relative) {
      out.iterations_to_target = static_cast<int>(t);
      break;
    }
  }
  const double floor = options.floor_relative;
  if (e.size() < 2 || e[1] <= floor) {
    out.rate = 0;
    return out;
  }
  int t = 1;
  for (int k = 2; k <= options.rate_iterations && k < static_cast<int>(e.size()); ++k) {
    if (e[k] > floor) t = k;
    else break;
  }
  out.rate = t >= 2 ? std::pow(e[t] / e[1], 1.0 / t) : std::pow(floor / e[1], 0.5);
  return out;
}

}  // namespace sketchd
