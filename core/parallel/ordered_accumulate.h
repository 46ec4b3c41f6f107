// A sum over training items that must come out bitwise as one process's
// serial loop, wherever the items live: `add` adds this process's items, in
// order, to an Eigen matrix or vector that starts at zero. With a reducer the
// running total passes through the processes in rank order
// (Reducer::OrderedSum), copied into a freshly allocated `M` for `add` so
// that Eigen's kernels see the same (aligned) storage as on one process —
// an unaligned view may peel a different first element off its vector loop.
// Header-only, like reducer.h.
#ifndef SKETCHD_CORE_PARALLEL_ORDERED_ACCUMULATE_H_
#define SKETCHD_CORE_PARALLEL_ORDERED_ACCUMULATE_H_

#include <Eigen/Core>

#include "core/parallel/reducer.h"

namespace sketchd {

// `total` must be zero (and sized) on entry; null reducer: one process.
template <typename M, typename Add>
void OrderedAccumulate(Reducer* reducer, M* total, const Add& add) {
  if (reducer == nullptr) {
    add(total);
    return;
  }
  const Eigen::Index rows = total->rows(), cols = total->cols();
  reducer->OrderedSum(total->data(), total->size(), [&](double* running) {
    Eigen::Map<M> sum(running, rows, cols);
    M mine = sum;
    add(&mine);
    sum = mine;
  });
}

}  // namespace sketchd

#endif  // SKETCHD_CORE_PARALLEL_ORDERED_ACCUMULATE_H_
