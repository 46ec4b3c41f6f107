// The JSON fields of a solve result, written the same way (same names, same
// order) by `sketchctl local solve` and `sketchmpi solve` (mpi/), so scripts
// read either. Header-only and gRPC-free, like the flag declarations.
#ifndef SKETCHD_CLIENT_SOLVE_RESULT_JSON_H_
#define SKETCHD_CLIENT_SOLVE_RESULT_JSON_H_

#include <string>
#include <utility>

#include "client/json.h"
#include "core/regression/solve_result.h"

namespace sketchd {

// Sets x, out (when `out_path` is not empty), residual_norm, iterations,
// converged, convergence, stop_reason and timings on `j`.
inline void SetSolveResultJson(const SolveResult& solved, const std::string& out_path, Json* j) {
  Json xs = Json::Array();
  for (double v : solved.x) xs.Push(v);
  j->Set("x", std::move(xs));
  if (!out_path.empty()) j->Set("out", out_path);
  j->Set("residual_norm", solved.residual_norm);
  j->Set("iterations", solved.iterations);
  j->Set("converged", IsConverged(solved.convergence));
  j->Set("convergence", SolveConvergenceName(solved.convergence));
  j->Set("stop_reason", solved.stop_reason);
  Json timings = Json::Object();
  timings.Set("sketch_seconds", solved.timings.sketch_seconds);
  timings.Set("factor_seconds", solved.timings.factor_seconds);
  timings.Set("iterate_seconds", solved.timings.iterate_seconds);
  timings.Set("total_seconds", solved.timings.total_seconds);
  j->Set("timings", std::move(timings));
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_SOLVE_RESULT_JSON_H_
