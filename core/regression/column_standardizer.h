// Column standardisation x ↦ (x − mean)/scale with statistics fitted on
// training problems and applied unchanged to held-out ones (data/README.md).
//
// Where it happens: the caller's choice, not inside TrainRegressionSketch or
// Solve. A trained sketch is only meaningful for matrices prepared the same
// way as its training matrices (centring changes leverage scores), so the
// code that owns the data (benchmark, CLI, server) fits once on the training
// problems and applies the same transform to everything it later trains on,
// validates on or solves; core never silently changes the problem it was given.
#ifndef SKETCHD_CORE_REGRESSION_COLUMN_STANDARDIZER_H_
#define SKETCHD_CORE_REGRESSION_COLUMN_STANDARDIZER_H_

#include <vector>

#include "core/matrix_types.h"
#include "core/regression/regression_problem.h"

namespace sketchd {

struct ColumnStandardizer {
  VectorXd mean;   // per column of A, pooled over all training rows
  VectorXd scale;  // pooled standard deviation (1 for constant columns)

  // Requires a non-empty list of problems with equal d.
  static ColumnStandardizer Fit(const std::vector<RegressionProblem>& training);
  // Standardises the columns of A in place (b is left as is).
  void Apply(RegressionProblem* problem) const;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_COLUMN_STANDARDIZER_H_
