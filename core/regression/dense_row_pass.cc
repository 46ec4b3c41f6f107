#include "core/regression/dense_row_pass.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/parallel/parallel_for.h"

namespace sketchd {
namespace {

// Below this many entries a pass takes microseconds and threads cost more
// than they save.
constexpr Index kMinParallelEntries = Index{1} << 18;

int ThreadsFor(const ConstRowMajorRef& a, int threads) {
  if (a.size() < kMinParallelEntries) return 1;
  return static_cast<int>(std::max<Index>(1, std::min<Index>(threads, a.rows())));
}

// fn(part, r0, r1) over `parts` contiguous row ranges. Range p is always
// rows [n·p/parts, n·(p+1)/parts), whichever worker runs it, so per-range
// partial results and their reduction order are deterministic.
template <typename Fn>
void ForRowRanges(Index rows, int parts, const Fn& fn) {
  if (parts <= 1) {
    fn(0, Index{0}, rows);
    return;
  }
  ParallelFor(parts, parts, [&](int64_t p, int) {
    fn(static_cast<int>(p), rows * p / parts, rows * (p + 1) / parts);
  });
}

// max over entries of the bit pattern of |x| read as an integer. For
// non-negative doubles the integer order is the numeric order, and every
// ±inf or NaN has |x|'s pattern ≥ that of +inf, so one integer max gives
// both max|a| and finiteness, with no NaN-skipping comparison and no
// floating-point reduction that the compiler may not reorder.
uint64_t MaxAbsBits(const double* row, Index len) {
  constexpr uint64_t kAbs = ~(uint64_t{1} << 63);
  uint64_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  Index j = 0;
  for (; j + 4 <= len; j += 4) {
    uint64_t b[4];
    std::memcpy(b, row + j, sizeof b);
    m0 = std::max(m0, b[0] & kAbs);
    m1 = std::max(m1, b[1] & kAbs);
    m2 = std::max(m2, b[2] & kAbs);
    m3 = std::max(m3, b[3] & kAbs);
  }
  for (; j < len; ++j) {
    uint64_t b;
    std::memcpy(&b, row + j, sizeof b);
    m0 = std::max(m0, b & kAbs);
  }
  return std::max(std::max(m0, m1), std::max(m2, m3));
}

}  // namespace

DenseScan ScanDense(ConstRowMajorRef a, int threads) {
  const int parts = ThreadsFor(a, threads);
  std::vector<uint64_t> max_bits(parts, 0);
  const bool contiguous = a.outerStride() == a.cols();
  ForRowRanges(a.rows(), parts, [&](int p, Index r0, Index r1) {
    if (r1 <= r0) return;
    if (contiguous) {
      max_bits[p] = MaxAbsBits(a.data() + r0 * a.cols(), (r1 - r0) * a.cols());
      return;
    }
    uint64_t m = 0;
    for (Index i = r0; i < r1; ++i) m = std::max(m, MaxAbsBits(a.row(i).data(), a.cols()));
    max_bits[p] = m;
  });
  const uint64_t bits = *std::max_element(max_bits.begin(), max_bits.end());
  constexpr uint64_t kInfinityBits = uint64_t{0x7ff} << 52;
  DenseScan out;
  out.finite = bits < kInfinityBits;
  if (out.finite) std::memcpy(&out.max_abs, &bits, sizeof bits);
  return out;
}

double FusedMultiplyAdjoint(ConstRowMajorRef a, double scale, const VectorXd& v, double alpha,
                            VectorXd* u, VectorXd* w, int threads) {
  const Index d = a.cols();
  const int parts = ThreadsFor(a, threads);
  std::vector<VectorXd> partial(parts);
  std::vector<double> sumsq(parts, 0.0);
  const VectorXd sv = scale * v;
  ForRowRanges(a.rows(), parts, [&](int p, Index r0, Index r1) {
    VectorXd acc = VectorXd::Zero(d);
    double ss = 0;
    // Rows are read from memory by the dot products and from L1 by the
    // update of acc, four at a time so acc is loaded and stored once per
    // four rows.
    Index i = r0;
    for (; i + 4 <= r1; i += 4) {
      double ui[4];
      for (int q = 0; q < 4; ++q) {
        ui[q] = a.row(i + q).dot(sv.transpose()) - alpha * (*u)[i + q];
        (*u)[i + q] = ui[q];
        ss += ui[q] * ui[q];
      }
      acc.noalias() += ui[0] * a.row(i).transpose() + ui[1] * a.row(i + 1).transpose() +
                       ui[2] * a.row(i + 2).transpose() + ui[3] * a.row(i + 3).transpose();
    }
    for (; i < r1; ++i) {
      const double ui = a.row(i).dot(sv.transpose()) - alpha * (*u)[i];
      (*u)[i] = ui;
      ss += ui * ui;
      acc.noalias() += ui * a.row(i).transpose();
    }
    partial[p] = std::move(acc);
    sumsq[p] = ss;
  });
  *w = std::move(partial[0]);
  double total = sumsq[0];
  for (int p = 1; p < parts; ++p) {
    *w += partial[p];
    total += sumsq[p];
  }
  if (scale != 1) *w *= scale;
  return total;
}

double DenseResidualNorm(ConstRowMajorRef a, double scale, const VectorXd& x,
                         const Eigen::Ref<const VectorXd>& b, int threads) {
  const int parts = ThreadsFor(a, threads);
  std::vector<double> sumsq(parts, 0.0);
  const VectorXd sx = scale * x;
  ForRowRanges(a.rows(), parts, [&](int p, Index r0, Index r1) {
    double ss = 0;
    for (Index i = r0; i < r1; ++i) {
      const double ri = a.row(i).dot(sx.transpose()) - b[i];
      ss += ri * ri;
    }
    sumsq[p] = ss;
  });
  double total = 0;
  for (double s : sumsq) total += s;
  return std::sqrt(total);
}

}  // namespace sketchd
