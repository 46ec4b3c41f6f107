#include "core/regression/solve_result.h"

namespace sketchd {

const char* SolveConvergenceName(SolveConvergence c) {
  switch (c) {
    case SolveConvergence::kDirect: return "direct";
    case SolveConvergence::kConverged: return "converged";
    case SolveConvergence::kStagnated: return "stagnated";
    case SolveConvergence::kIllConditioned: return "ill_conditioned";
    case SolveConvergence::kIterationLimit: return "iteration_limit";
  }
  return "unknown";
}

}  // namespace sketchd
