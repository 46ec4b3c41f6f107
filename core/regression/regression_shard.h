// A regression training family as one process sees it when the family is
// spread over processes (sketchmpi): this process holds the contiguous block
// of problems first … first + local.size() − 1 of `total`, in the family's
// (time) order, and sums over problems go through `reducer`
// (core/parallel/reducer.h). One process with no reducer is the ordinary
// case. The regression twin of core/training/training_shard.h.
#ifndef SKETCHD_CORE_REGRESSION_REGRESSION_SHARD_H_
#define SKETCHD_CORE_REGRESSION_REGRESSION_SHARD_H_

#include <cstdint>
#include <vector>

#include "core/parallel/reducer.h"
#include "core/regression/regression_problem.h"

namespace sketchd {

struct RegressionShard {
  const std::vector<RegressionProblem>* local = nullptr;  // this process's problems
  int64_t first = 0;  // family index of (*local)[0]
  int64_t total = 0;  // problems in the family, on all processes
  int64_t rows = 0;   // n, common to the family
  int64_t cols = 0;   // d (of A), common to the family
  Reducer* reducer = nullptr;  // null: one process holds the whole family

  int64_t count() const { return static_cast<int64_t>(local->size()); }
  bool holds(int64_t index) const { return index >= first && index < first + count(); }
  const RegressionProblem& at(int64_t index) const { return (*local)[index - first]; }
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_REGRESSION_SHARD_H_
