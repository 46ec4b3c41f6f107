// What a Solve will allocate, estimated from the request alone (before the
// data arrives), so a service can answer RESOURCE_EXHAUSTED up front.
#ifndef SKETCHD_CORE_REGRESSION_SOLVE_MEMORY_H_
#define SKETCHD_CORE_REGRESSION_SOLVE_MEMORY_H_

#include <cstdint>

#include "core/regression/solve.h"

namespace sketchd {

// Peak bytes of Solve(a, b, options) on a dense n×d A, including A and b
// themselves (n·(d + 1) doubles, held by the caller), the sketch, S·A (one
// accumulator per thread), the factorisations and the n-vectors of the
// iteration; the copy of A the exact QR solver and the small-n direct path
// make. Meant to be within 2× of the measured peak RSS
// (tests/regression/memory_estimate_test.cc); saturates at INT64_MAX. Options
// Solve would reject give a meaningless figure. For CSR input, replace n·d by
// the stored entries: the working memory is the same apart from QR (refused
// for sparse A).
int64_t EstimateSolveBytes(const SolveOptions& options, int64_t n, int64_t d);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_SOLVE_MEMORY_H_
