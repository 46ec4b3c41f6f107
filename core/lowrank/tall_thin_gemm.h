// C = A·V for a tall row-major A (n×d) and a thin V (d×m, m small): SCW's
// AV product, by an AVX2/FMA register-blocked kernel that streams A once.
//
// Why: OpenBLAS's dgemm packs A into its own panels before multiplying and
// its kernels are tuned for wide outputs; on this tall, thin shape it ran at
// ~23 GFlop/s on 2 cores (5760×1080 by 1080×20: 11 ms, against 1.5 ms to
// read A once, bench/perf), far from the machine's FMA peak. Here each
// block of 4 rows of A is read from memory once and multiplied, while it
// sits in L1/L2, against Vᵀ packed row-major (d × m rounded up to 4) in
// 4×12 register tiles: 12 FMAs per 3 loads of V and 4 broadcasts of A.
//
// Portability: the kernel is compiled for AVX2+FMA only (per-function target
// attribute), and used only when the CPU reports both at run time; callers
// fall back to BLAS otherwise (MultiplyTallByThinBlas, dense_kernels.h).
#ifndef SKETCHD_CORE_LOWRANK_TALL_THIN_GEMM_H_
#define SKETCHD_CORE_LOWRANK_TALL_THIN_GEMM_H_

#include "core/matrix_types.h"

namespace sketchd {

// True when this CPU runs the AVX2/FMA kernel.
bool TallThinKernelAvailable();

// out (n×m, row-major; resized if needed) = A·V on `threads` threads, through the
// AVX2/FMA kernel. Returns false (out untouched) when the kernel is not
// available on this CPU, so the caller uses BLAS.
bool MultiplyTallByThinAvx2(ConstRowMajorRef a, const MatrixXd& v, RowMatrixXd* out, int threads);

// *squared_norm = ‖A − Y·Zᵀ‖_F² for row-major A (n×d), Y (n×k) and Z (d×k),
// summed directly (SCW's residual when ‖A‖² − Σσ² would cancel), through
// the same kernel a few rows at a time; on `threads` threads. Returns false
// (nothing written) when the kernel is not available on this CPU.
bool SquaredResidualNormAvx2(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right,
                             int threads, double* squared_norm);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_TALL_THIN_GEMM_H_
