// A minimal parallel-for over independent work items (one per training
// matrix, one per greedy trial, one row range of a solver's pass over A); the
// one thread pool of core, shared by training and regression. Threads are spawned per call: training
// steps are milliseconds long, so the ~50 µs spawn cost is noise, and nothing
// is left running between calls (a cancelled job leaves no threads behind).
#ifndef SKETCHD_CORE_PARALLEL_PARALLEL_FOR_H_
#define SKETCHD_CORE_PARALLEL_PARALLEL_FOR_H_

#include <cstdint>
#include <functional>

namespace sketchd {

// Resolves TrainOptions::threads: 0 → hardware concurrency (at least 1).
int ResolveThreads(int requested);

// Calls fn(i, worker) for every i in [0, count) on up to `threads` workers
// (worker in [0, threads)); items are handed out dynamically. fn must not
// throw. Returns when all items are done.
void ParallelFor(int64_t count, int threads, const std::function<void(int64_t, int)>& fn);

}  // namespace sketchd

#endif  // SKETCHD_CORE_PARALLEL_PARALLEL_FOR_H_
