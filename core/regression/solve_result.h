// What every regression solver returns.
#ifndef SKETCHD_CORE_REGRESSION_SOLVE_RESULT_H_
#define SKETCHD_CORE_REGRESSION_SOLVE_RESULT_H_

#include <string>
#include <vector>

#include "core/matrix_types.h"

namespace sketchd {

// How a solve ended. Callers decide "converged" from this, never from the
// wording of stop_reason (which is for people and may change).
enum class SolveConvergence {
  kDirect,          // a direct factorisation (QR, sketch-and-solve): no iteration
  kConverged,       // an iterative solver met its relative stopping rule
  kStagnated,       // stopped because further steps only move x by rounding:
                    // as accurate as the data allows, counted as converged
  kIllConditioned,  // LSQR: the condition estimate passed conlim; x is a
                    // regularised answer, not the least-squares solution
  kIterationLimit,  // max_iterations reached before any stopping rule held
};

// True for kDirect, kConverged and kStagnated.
inline bool IsConverged(SolveConvergence c) {
  return c == SolveConvergence::kDirect || c == SolveConvergence::kConverged ||
         c == SolveConvergence::kStagnated;
}
const char* SolveConvergenceName(SolveConvergence c);  // "direct", "converged", ...

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
  SolveConvergence convergence = SolveConvergence::kDirect;
  std::string stop_reason;   // why the iteration ended, for logs and users
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_SOLVE_RESULT_H_
