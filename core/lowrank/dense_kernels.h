// The few dense kernels whose speed decides SCW's cost, routed to OpenBLAS.
// Measured by bench/lowrank: for A (5760×1080) times V (1080×60), OpenBLAS's
// dgemm on 2 threads takes ~14 ms against ~42 ms for Eigen's single-threaded
// GEMM, and the AV product is the one O(n·d·r) step of the algorithm. Small
// products stay in Eigen, where a BLAS call would not pay for itself.
#ifndef SKETCHD_CORE_LOWRANK_DENSE_KERNELS_H_
#define SKETCHD_CORE_LOWRANK_DENSE_KERNELS_H_

#include "core/matrix_types.h"

namespace sketchd {

// A·B for row-major A (n×d) and column-major B (d×r), result row-major n×r.
// Through the AVX2/FMA tall-thin kernel (tall_thin_gemm.h) when the CPU has
// it and r ≤ kTallThinMaxCols, else OpenBLAS.
RowMatrixXd MultiplyTallByThin(ConstRowMajorRef a, const MatrixXd& b);
// The same product always through OpenBLAS (the fallback; also for tests).
RowMatrixXd MultiplyTallByThinBlas(ConstRowMajorRef a, const MatrixXd& b);
// Widest B the tall-thin kernel is used for: past it OpenBLAS's own blocking
// reaches the FMA peak (bench/perf, m = 320: ~58 GFlop/s) and wins.
inline constexpr Index kTallThinMaxCols = 128;
// Same for column-major A.
MatrixXd MultiplyTallByThinColMajor(ConstColMajorRef a, const MatrixXd& b);

// out = A·B into a caller-owned column-major n×r block (e.g. the left
// columns of SCW's Y), through OpenBLAS when the product is large.
void MultiplyTallByThinInto(ConstRowMajorRef a, const MatrixXd& b, Eigen::Ref<MatrixXd> out);
void MultiplyTallByThinInto(ConstColMajorRef a, const MatrixXd& b, Eigen::Ref<MatrixXd> out);

// ‖A − Y Zᵀ‖_F for Y (n×k) and Z (d×k), summed directly. SCW's
// cancellation guard needs it on every answer whose relative error is below
// ~1e-2. Row-major A goes through the AVX2 tall-by-thin kernel a few rows
// at a time (tall_thin_gemm.h; at 5760×1080 on 2 threads 8.3 ms against
// 12.1 for the dgemm panels at k = 40, 23.8 against 25.7 at k = 160);
// column-major A, and CPUs without AVX2,
// in row panels of about 4 MiB, each A_panel − Y_panel Zᵀ by one dgemm (the
// arithmetic of PanelledResidualNorm, low_rank_error.h, at BLAS-3 speed).
double DirectResidualNorm(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right);
double DirectResidualNorm(ConstColMajorRef a, const MatrixXd& left, const MatrixXd& right);

// Aᵀ·Q for row-major / column-major A (n×d) and column-major Q (n×r): the
// second product of a power iteration, d×r.
MatrixXd MultiplyTransposeByThin(ConstRowMajorRef a, const MatrixXd& q);
MatrixXd MultiplyTransposeByThinColMajor(ConstColMajorRef a, const MatrixXd& q);

// Q of a thin QR of a tall matrix (rows ≥ cols) by Householder (dgeqrf +
// dorgqr): orthonormal columns spanning the input's columns. Householder,
// not Gram–Schmidt, so the columns stay orthonormal to working precision
// even when the input is badly conditioned (as power iterates become).
MatrixXd OrthonormalColumns(MatrixXd tall);

// P·L of a thin LU with partial pivoting (dgetrf) of a tall matrix X = P·L·U:
// unit lower-trapezoidal columns (entries ≤ 1 in magnitude) spanning X's
// columns when X has full column rank. Half the flops of OrthonormalColumns
// and no dorgqr; not orthonormal, so only for the intermediate steps of a
// subspace iteration, whose last step orthonormalizes (Halko, Martinsson,
// Tropp 2011, §4.5; scikit-learn's randomized_svd does the same). A
// rank-deficient X still gets full-rank columns (a zero pivot leaves L's
// unit diagonal), i.e. extra directions, as OrthonormalColumns gives too.
// Falls back to OrthonormalColumns for shapes dgetrf refuses and for
// inputs LU cannot normalize (see LuNormalizeInPlace); keeps a copy of X
// for that, so hot loops that can recompute X use LuNormalizeInPlace.
MatrixXd LuNormalizedColumns(MatrixXd tall);

// The same in place, without the copy: false (and X clobbered) when LU gave
// non-finite entries, which only a subnormal pivot causes; the caller then
// recomputes X and orthonormalizes it by Householder.
bool LuNormalizeInPlace(MatrixXd* tall);

// R of a thin QR of a tall matrix (rows ≥ cols), by LAPACK's blocked
// Householder dgeqrf (BLAS-3, threaded): the r×r triangle SCW needs.
MatrixXd TriangularFactor(MatrixXd tall);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_DENSE_KERNELS_H_
