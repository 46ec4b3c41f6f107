// What every regression solver returns.
#ifndef SKETCHD_CORE_REGRESSION_SOLVE_RESULT_H_
#define SKETCHD_CORE_REGRESSION_SOLVE_RESULT_H_

#include <string>
#include <vector>

#include "core/matrix_types.h"

namespace sketchd {

struct SolveTimings {
  double sketch_seconds = 0;   // forming S·A (and S·b)
  double factor_seconds = 0;   // QR of the sketch / small solves
  double iterate_seconds = 0;  // LSQR / IHS iterations (passes over A)
  double total_seconds = 0;    // everything, including the final residual
};

struct SolveResult {
  VectorXd x;
  double residual_norm = 0;  // ‖Ax − b‖, computed from A (not an estimate)
  int iterations = 0;        // LSQR iterations, IHS outer iterations; 0 for direct solves
  SolveTimings timings;
  // When requested: per iteration, the objective after it — LSQR: its
  // estimate of ‖Ax_k − b‖; IHS: ½‖Ax_t − b‖² (entry 0 is x_0). Empty otherwise.
  std::vector<double> objective;
  std::string stop_reason;   // why the iteration ended, for logs and users
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_SOLVE_RESULT_H_
