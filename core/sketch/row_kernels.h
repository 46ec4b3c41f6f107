// The two row operations of a CountSketch pass over a dense row-major A:
// out_row += v·a_row (each row of A lands in its hashed row of SA) and
// ‖a_row‖², by AVX2/FMA when the CPU has both, else by Eigen.
//
// Why: this build's Eigen has no AVX (no -march), so its axpy ran the
// sketching pass at half of memory speed (5760×1080, m = 80: 2.7 ms against
// 1.4 ms to read A once), and the squared norm read each row a second time
// (4.2 ms fused). One AVX2 loop does both while the row streams in.
//
// Bits: the CountSketch passes over row-major A (CountSketch::Apply,
// AccumulateRows, the fused SA + ‖A‖_F² of core/lowrank/sketch_and_norm.h)
// and SquaredNormByRows go through these functions, so they agree to the
// bit with each other on one machine: a fresh SCW call and one given ‖A‖_F²
// return the same error. The axpy is elementwise fma(v, a, out), the same
// bits in vector and scalar code; the squared norm sums in a fixed lane
// order. Column-major and CSR Apply, and the server's per-chunk ‖A‖_F while
// rows stream in, use Eigen and agree with these only to rounding.
#ifndef SKETCHD_CORE_SKETCH_ROW_KERNELS_H_
#define SKETCHD_CORE_SKETCH_ROW_KERNELS_H_

#include "core/matrix_types.h"

namespace sketchd {

// out[j] += v·a[j] for j < d (a and out must not overlap).
void AddScaledRow(double v, const double* a, Index d, double* out);

// Σ a[j]² for j < d.
double RowSquaredNorm(const double* a, Index d);

// Both in one read of a: AddScaledRow(v, a, d, out), then returns exactly
// RowSquaredNorm(a, d).
double AddScaledRowAndSquaredNorm(double v, const double* a, Index d, double* out);

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_ROW_KERNELS_H_
