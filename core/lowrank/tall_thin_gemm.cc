#include "core/lowrank/tall_thin_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "core/parallel/parallel_for.h"

namespace sketchd {
namespace {

constexpr Index kRowBlock = 4;    // rows of A per register tile
constexpr double kMultiplyAddsPerThread = 4e6;  // see MultiplyTallByThinAvx2
constexpr Index kLanes = 4;       // doubles per AVX2 vector
constexpr Index kTileVectors = 3; // vectors of output columns per tile

// Vᵀ row-major with m rounded up to whole vectors, the padding zero: row l
// holds V(l, 0..m) contiguously, so a tile loads its columns with aligned
// vector loads and the padding columns multiply to zeros that are dropped.
struct PackedV {
  Index d = 0, m = 0, width = 0;
  std::vector<double> data;
};

PackedV Pack(const MatrixXd& v) {
  PackedV p;
  p.d = v.rows();
  p.m = v.cols();
  p.width = (p.m + kLanes - 1) / kLanes * kLanes;
  p.data.assign(static_cast<size_t>(p.d * p.width), 0.0);
  for (Index l = 0; l < p.d; ++l) {
    for (Index j = 0; j < p.m; ++j) p.data[l * p.width + j] = v(l, j);
  }
  return p;
}

// out rows [r0, r0 + R), columns [c0, c0 + 4C) ∩ [0, m) = A rows · V cols.
// One accumulator array per output vector column (acc0, acc1, acc2), each
// small enough for GCC to keep in registers; a single R×C array of vectors
// was kept in memory and stored back every iteration (bench: 5× slower).
template <int R, int C>
__attribute__((target("avx2,fma"))) void Tile(const double* a, Index lda, const PackedV& v,
                                              Index c0, double* out, Index ldo) {
  static_assert(C >= 1 && C <= 3, "1 to 3 vectors per tile");
  __m256d acc0[R], acc1[R], acc2[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = acc2[r] = _mm256_setzero_pd();
  const Index d = v.d, width = v.width;
  const double* vp = v.data.data() + c0;
  for (Index l = 0; l < d; ++l, vp += width) {
    const __m256d v0 = _mm256_loadu_pd(vp);
    const __m256d v1 = C > 1 ? _mm256_loadu_pd(vp + kLanes) : v0;
    const __m256d v2 = C > 2 ? _mm256_loadu_pd(vp + 2 * kLanes) : v0;
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m256d ar = _mm256_broadcast_sd(a + r * lda + l);
      acc0[r] = _mm256_fmadd_pd(ar, v0, acc0[r]);
      if constexpr (C > 1) acc1[r] = _mm256_fmadd_pd(ar, v1, acc1[r]);
      if constexpr (C > 2) acc2[r] = _mm256_fmadd_pd(ar, v2, acc2[r]);
    }
  }
  // Spill every accumulator with constant indices first (a variable index
  // would force the arrays into memory for the whole loop above), then copy
  // the valid columns.
  alignas(32) double tmp[R][kLanes * 3];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    _mm256_store_pd(tmp[r], acc0[r]);
    if constexpr (C > 1) _mm256_store_pd(tmp[r] + kLanes, acc1[r]);
    if constexpr (C > 2) _mm256_store_pd(tmp[r] + 2 * kLanes, acc2[r]);
  }
  const Index valid = std::min<Index>(kLanes * C, v.m - c0);
  for (int r = 0; r < R; ++r) {
    double* o = out + r * ldo + c0;
    for (Index j = 0; j < valid; ++j) o[j] = tmp[r][j];
  }
}

// One block of R rows against every column tile.
template <int R>
__attribute__((target("avx2,fma"))) void RowBlock(const double* a, Index lda, const PackedV& v,
                                                  double* out, Index ldo) {
  Index c0 = 0;
  for (; c0 + kLanes * kTileVectors <= v.width; c0 += kLanes * kTileVectors) {
    Tile<R, 3>(a, lda, v, c0, out, ldo);
  }
  const Index rest = (v.width - c0) / kLanes;  // 0, 1 or 2 vectors
  if (rest == 2) Tile<R, 2>(a, lda, v, c0, out, ldo);
  if (rest == 1) Tile<R, 1>(a, lda, v, c0, out, ldo);
}

__attribute__((target("avx2,fma"))) void Rows(const double* a, Index lda, Index rows,
                                              const PackedV& v, double* out, Index ldo) {
  Index i = 0;
  for (; i + kRowBlock <= rows; i += kRowBlock) RowBlock<4>(a + i * lda, lda, v, out + i * ldo, ldo);
  switch (rows - i) {
    case 3: RowBlock<3>(a + i * lda, lda, v, out + i * ldo, ldo); break;
    case 2: RowBlock<2>(a + i * lda, lda, v, out + i * ldo, ldo); break;
    case 1: RowBlock<1>(a + i * lda, lda, v, out + i * ldo, ldo); break;
    default: break;
  }
}

// Calls run(part, r0, r1) on row ranges in whole blocks of 4 that cover
// [0, n), one per thread (the ranges are independent; part < threads), for
// `work` multiply-adds in all.
// A thread is spawned per call (parallel_for.h), at ~30–50 µs here with its
// join, the time of ~4e5 multiply-adds: below kMultiplyAddsPerThread of work
// each, fewer threads finish sooner. Measured in SCW at 146×144·40
// (navy_winds, 8.4e5): 38–58 µs on one thread, 72–110 µs on two.
template <typename Run>
void ForRowRanges(Index n, double work, int threads, const Run& run) {
  const Index blocks = (n + kRowBlock - 1) / kRowBlock;
  const Index useful = static_cast<Index>(std::max(1.0, work / kMultiplyAddsPerThread));
  const int parts = static_cast<int>(
      std::max<Index>(1, std::min<Index>({static_cast<Index>(threads), blocks, useful})));
  const auto part = [&](int64_t p) {
    const Index r0 = std::min(n, blocks * p / parts * kRowBlock);
    const Index r1 = std::min(n, blocks * (p + 1) / parts * kRowBlock);
    if (r1 > r0) run(p, r0, r1);
  };
  if (parts == 1) {
    part(0);
  } else {
    ParallelFor(parts, parts, [&](int64_t p, int) { part(p); });
  }
}

}  // namespace

bool TallThinKernelAvailable() {
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return available;
}

bool MultiplyTallByThinAvx2(ConstRowMajorRef a, const MatrixXd& v, RowMatrixXd* out, int threads) {
  if (!TallThinKernelAvailable()) return false;
  const Index n = a.rows(), m = v.cols();
  out->resize(n, m);
  if (n == 0 || m == 0) return true;
  if (a.cols() == 0) {
    out->setZero();
    return true;
  }
  const PackedV packed = Pack(v);
  ForRowRanges(n, static_cast<double>(n) * a.cols() * m, threads,
               [&](int64_t, Index r0, Index r1) {
    Rows(a.data() + r0 * a.outerStride(), a.outerStride(), r1 - r0, packed,
         out->data() + r0 * m, m);
  });
  return true;
}

bool SquaredResidualNormAvx2(ConstRowMajorRef a, const MatrixXd& left, const MatrixXd& right,
                             int threads, double* squared_norm) {
  if (!TallThinKernelAvailable()) return false;
  const Index n = a.rows(), d = a.cols(), k = left.cols();
  if (n == 0 || d == 0 || k == 0) {
    *squared_norm = a.squaredNorm();
    return true;
  }
  // YZᵀ for a block of rows is the tall-by-thin product of Y's rows (k
  // wide) by Zᵀ (k×d): the AV kernel with d as its output width, formed a
  // few rows at a time in a buffer that stays in cache and subtracted from
  // A's rows there, so A is read once and YZᵀ never stored whole. Zᵀ is
  // taken in column blocks of at most kPackedBytes, which stay in L2 while
  // every row of the range passes (at k = 160, d = 1080 the whole of Zᵀ,
  // 1.4 MB, did not, and the kernel fell behind the dgemm panels in
  // bench/perf at m = 320; blocked it took 23.8 ms against their 25.7).
  constexpr Index kChunkRows = 16;
  constexpr Index kPackedBytes = 256 << 10;
  const Index tile = kLanes * kTileVectors;
  const Index block_cols = std::max<Index>(
      tile, kPackedBytes / (static_cast<Index>(sizeof(double)) * k) / tile * tile);
  std::vector<double> partial(static_cast<size_t>(std::max(threads, 1)), 0.0);
  ForRowRanges(n, static_cast<double>(n) * d * k, threads, [&](int64_t part, Index r0, Index r1) {
    RowMatrixXd y(kChunkRows, k);
    std::vector<double> product(static_cast<size_t>(kChunkRows * block_cols));
    double sum = 0;
    for (Index c0 = 0; c0 < d; c0 += block_cols) {
      const Index cols = std::min(block_cols, d - c0);
      const PackedV zt = Pack(MatrixXd(right.middleRows(c0, cols).transpose()));
      for (Index i0 = r0; i0 < r1; i0 += kChunkRows) {
        const Index rows = std::min(kChunkRows, r1 - i0);
        y.topRows(rows) = left.middleRows(i0, rows);
        Rows(y.data(), k, rows, zt, product.data(), zt.width);
        for (Index i = 0; i < rows; ++i) {
          const Eigen::Map<const VectorXd> yz(product.data() + i * zt.width, cols);
          sum += (a.row(i0 + i).segment(c0, cols).transpose() - yz).squaredNorm();
        }
      }
    }
    partial[static_cast<size_t>(part)] = sum;
  });
  double total = 0;
  for (double p : partial) total += p;
  *squared_norm = total;
  return true;
}

}  // namespace sketchd
