// How long OpenBLAS's idle worker threads spin before they sleep.
//
// Why: after each threaded call, OpenBLAS (the pthreads build sketchd links)
// keeps its workers spinning for 2^28 cycles (~0.1 s) waiting for the next
// call: measured here, a process sleeping 50 ms after a 400×400 dgemm used
// 50 ms of CPU. sketchd runs its own threads too (core/parallel: the AV and
// residual kernels), and on 2 cores a spinning worker halves them: SCW at
// 5760×1080, m = 80 took 29.7 or 46.5 ms from run to run (AV 12 or 20 ms,
// the residual 8 or 16). With spinning bounded to 2^16 cycles (~25 µs,
// still covering back-to-back calls) three runs took 25.3–26.2 ms, and
// least squares was unchanged (bench/perf).
//
// OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when it is loaded, so this
// sets it for the moment (unless the user has set it, which is respected),
// has OpenBLAS re-read its environment, and stops its idle workers; the next
// threaded call starts them again with the bound. The variable is then
// removed again, so child processes (peers in bench/) see the environment
// they were given. A no-op when the BLAS is not OpenBLAS.
//
// Thread safety: call first in main(), before any thread that may call BLAS
// exists (stopping the workers under a running BLAS call is not safe).
#ifndef SKETCHD_CORE_PARALLEL_BLAS_THREADS_H_
#define SKETCHD_CORE_PARALLEL_BLAS_THREADS_H_

namespace sketchd {

// log2 of the cycles an idle OpenBLAS worker spins (OpenBLAS's own default: 28).
inline constexpr int kBlasWorkerSpinLog2Cycles = 16;

// Returns true when OpenBLAS's workers were restarted with the bound.
bool BoundBlasWorkerSpinning();

}  // namespace sketchd

#endif  // SKETCHD_CORE_PARALLEL_BLAS_THREADS_H_
