#include "core/sketch/row_kernels.h"

#include <immintrin.h>

#include <cmath>

namespace sketchd {
namespace {

bool Avx2Available() {
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return available;
}

// The squared norm in four 4-lane accumulators (16 consecutive entries per
// step), reduced as ((s0 + s1) + (s2 + s3)) lane-wise, then lanes
// ((l0 + l1) + (l2 + l3)), then the scalar tail in order: one fixed order
// for the fused and the plain kernel. With `out`, the axpy rides along.
template <bool kAxpy>
__attribute__((target("avx2,fma"))) double Avx2Row(double v, const double* a, Index d,
                                                   double* out) {
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
  const __m256d vv = _mm256_set1_pd(v);
  Index j = 0;
  for (; j + 16 <= d; j += 16) {
    const __m256d a0 = _mm256_loadu_pd(a + j), a1 = _mm256_loadu_pd(a + j + 4);
    const __m256d a2 = _mm256_loadu_pd(a + j + 8), a3 = _mm256_loadu_pd(a + j + 12);
    if constexpr (kAxpy) {
      _mm256_storeu_pd(out + j, _mm256_fmadd_pd(vv, a0, _mm256_loadu_pd(out + j)));
      _mm256_storeu_pd(out + j + 4, _mm256_fmadd_pd(vv, a1, _mm256_loadu_pd(out + j + 4)));
      _mm256_storeu_pd(out + j + 8, _mm256_fmadd_pd(vv, a2, _mm256_loadu_pd(out + j + 8)));
      _mm256_storeu_pd(out + j + 12, _mm256_fmadd_pd(vv, a3, _mm256_loadu_pd(out + j + 12)));
    }
    s0 = _mm256_fmadd_pd(a0, a0, s0);
    s1 = _mm256_fmadd_pd(a1, a1, s1);
    s2 = _mm256_fmadd_pd(a2, a2, s2);
    s3 = _mm256_fmadd_pd(a3, a3, s3);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; j < d; ++j) {
    if constexpr (kAxpy) out[j] = std::fma(v, a[j], out[j]);
    sum = std::fma(a[j], a[j], sum);
  }
  return sum;
}

// Axpy alone: elementwise fma, the bits of Avx2Row<true>'s axpy.
__attribute__((target("avx2,fma"))) void Avx2Axpy(double v, const double* a, Index d,
                                                  double* out) {
  const __m256d vv = _mm256_set1_pd(v);
  Index j = 0;
  for (; j + 4 <= d; j += 4) {
    _mm256_storeu_pd(out + j, _mm256_fmadd_pd(vv, _mm256_loadu_pd(a + j), _mm256_loadu_pd(out + j)));
  }
  for (; j < d; ++j) out[j] = std::fma(v, a[j], out[j]);
}

}  // namespace

void AddScaledRow(double v, const double* a, Index d, double* out) {
  if (Avx2Available()) {
    Avx2Axpy(v, a, d, out);
    return;
  }
  Eigen::Map<VectorXd>(out, d).noalias() += v * Eigen::Map<const VectorXd>(a, d);
}

double RowSquaredNorm(const double* a, Index d) {
  if (Avx2Available()) return Avx2Row<false>(0.0, a, d, nullptr);
  return Eigen::Map<const VectorXd>(a, d).squaredNorm();
}

double AddScaledRowAndSquaredNorm(double v, const double* a, Index d, double* out) {
  if (Avx2Available()) return Avx2Row<true>(v, a, d, out);
  Eigen::Map<VectorXd>(out, d).noalias() += v * Eigen::Map<const VectorXd>(a, d);
  return Eigen::Map<const VectorXd>(a, d).squaredNorm();
}

}  // namespace sketchd
