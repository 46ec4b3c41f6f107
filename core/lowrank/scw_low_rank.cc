#include "core/lowrank/scw_low_rank.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include <lapacke.h>

#include "absl/strings/str_cat.h"
#include "core/huge_pages.h"
#include "core/lowrank/cholesky_qr.h"
#include "core/lowrank/dense_kernels.h"
#include "core/lowrank/gram_ritz.h"
#include "core/lowrank/input_scale.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/sketch_and_norm.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr double kEps = std::numeric_limits<double>::epsilon();

// ‖A‖² − Σσ² loses about √(d + r)·ε·‖A‖² to rounding (the AV product and
// the two sums); past this share of the error² the residual is summed directly.
constexpr double kCancellationShare = 1e-10;

absl::Status CheckArguments(int64_t n, int64_t d, int64_t k, const LowRankOptions& options) {
  if (n < 1 || d < 1) {
    return absl::InvalidArgumentError(absl::StrCat("matrix must be non-empty, got ", n, "x", d));
  }
  if (k < 1 || k > std::min(n, d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank k must be in [1, min(n, d)] = [1, ", std::min(n, d), "], got ", k));
  }
  if (options.power_iters < 0 || options.power_iters > kMaxPowerIters) {
    return absl::InvalidArgumentError(absl::StrCat("power_iters must be in [0, ", kMaxPowerIters,
                                                   "], got ", options.power_iters));
  }
  return absl::OkStatus();
}

// AV through the BLAS kernel for dense inputs, Eigen for sparse ones.
RowMatrixXd Project(ConstRowMajorRef a, const MatrixXd& basis) { return MultiplyTallByThin(a, basis); }
MatrixXd Project(ConstColMajorRef a, const MatrixXd& basis) {
  return MultiplyTallByThinColMajor(a, basis);
}
MatrixXd Project(const CsrMatrix& a, const MatrixXd& basis) { return a * basis; }

// AᵀQ, the other half of a power iteration.
MatrixXd ProjectTranspose(ConstRowMajorRef a, const MatrixXd& q) {
  return MultiplyTransposeByThin(a, q);
}
MatrixXd ProjectTranspose(ConstColMajorRef a, const MatrixXd& q) {
  return MultiplyTransposeByThinColMajor(a, q);
}
MatrixXd ProjectTranspose(const CsrMatrix& a, const MatrixXd& q) { return a.transpose() * q; }

// The AV buffer as CholeskyQR2 sees it.
TallMatrixView ViewOf(RowMatrixXd& m) { return {m.data(), m.rows(), m.cols(), m.cols(), true}; }
TallMatrixView ViewOf(MatrixXd& m) { return {m.data(), m.rows(), m.cols(), m.rows(), false}; }

// out = B·M, B being the AV buffer in its own layout.
void MultiplyInto(const RowMatrixXd& b, const MatrixXd& m, Eigen::Ref<MatrixXd> out) {
  MultiplyTallByThinInto(ConstRowMajorRef(b), m, out);
}
void MultiplyInto(const MatrixXd& b, const MatrixXd& m, Eigen::Ref<MatrixXd> out) {
  MultiplyTallByThinInto(ConstColMajorRef(b), m, out);
}

// A zero n×k matrix whose pages are advised huge before the zero fill
// touches them (Y is as tall as A).
MatrixXd ZeroTall(int64_t n, int64_t k) {
  MatrixXd m(n, k);
  AdviseHugePages(m.data(), static_cast<size_t>(m.size()) * sizeof(double));
  m.setZero();
  return m;
}

// ‖A − YZᵀ‖_F summed directly: by BLAS panels for dense inputs.
double Residual(ConstRowMajorRef a, const MatrixXd& y, const MatrixXd& z) {
  return DirectResidualNorm(a, y, z);
}
double Residual(ConstColMajorRef a, const MatrixXd& y, const MatrixXd& z) {
  return DirectResidualNorm(a, y, z);
}
double Residual(const CsrMatrix& a, const MatrixXd& y, const MatrixXd& z) {
  return PanelledResidualNorm(a, y, z);
}

// A·2^-e in the layout SCW was given.
RowMatrixXd ScaledCopy(ConstRowMajorRef a, double factor) { return a * factor; }
MatrixXd ScaledCopy(ConstColMajorRef a, double factor) { return a * factor; }
CsrMatrix ScaledCopy(const CsrMatrix& a, double factor) { return a * factor; }

// σᵢ = ‖Y eᵢ‖ for the first `kept` columns, columns of Y and Z reordered so
// σ descends (the Gram route's columns come in eigenvalue order, which the
// norms can break between nearly equal values).
void OrderByLeftNorms(int64_t kept, LowRankFactors* out) {
  const VectorXd norms = out->left.leftCols(kept).colwise().norm().transpose();
  out->rank = kept;
  out->singular_values.head(kept) = norms;
  // Almost always already in order: then nothing moves (the copies below
  // are n×k and d×k).
  bool ordered = true;
  for (int64_t i = 1; i < kept && ordered; ++i) ordered = norms(i - 1) >= norms(i);
  if (ordered) return;
  std::vector<int64_t> order(static_cast<size_t>(kept));
  for (int64_t i = 0; i < kept; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return norms(x) > norms(y); });
  const MatrixXd left = out->left.leftCols(kept), right = out->right.leftCols(kept);
  for (int64_t i = 0; i < kept; ++i) {
    out->left.col(i) = left.col(order[i]);
    out->right.col(i) = right.col(order[i]);
    out->singular_values(i) = norms(order[i]);
  }
}

// SCW on an input whose ‖A‖_F² lies in the safe window (input_scale.h).
// q power iterations from the d×r basis V₀: V_{i+1} = orth(Aᵀ orth(A V_i)).
// Returns V_q, or with `krylov` an orthonormal basis of [V₀, …, V_q], built
// from the very iterates plain iteration uses, so its span contains V_q's and
// the SCW answer from it is at least as good. Blocks stop once they fill d
// columns. Their thin Householder Q needs no rank decision: where blocks
// nearly repeat each other (a converged iteration), Q's extra columns are
// still orthonormal directions, and a larger orthonormal basis can only
// lower the SCW error (and keeps its exact-error identity).
template <typename Matrix>
MatrixXd IteratedBasis(const Matrix& a, MatrixXd basis, int64_t power_iters, bool krylov) {
  const int64_t d = a.cols(), r = basis.cols();
  // Intermediate iterates are normalized by LU (LuNormalizedColumns: same
  // spans, half the flops of Householder; 25% of an iteration's time at
  // 288×384, r = 20); only the basis SCW uses is orthonormalized.
  // LU in place, without a copy of the product; in the rare case it cannot
  // (subnormal pivots, dense_kernels.h) the product is formed again and
  // orthonormalized by Householder.
  const auto normalized = [](const auto& product) {
    MatrixXd x = product();
    if (LuNormalizeInPlace(&x)) return x;
    return OrthonormalColumns(product());
  };
  if (!krylov || power_iters == 0) {
    for (int64_t i = 0; i < power_iters; ++i) {
      const MatrixXd q = normalized([&] { return MatrixXd(Project(a, basis)); });  // n×r
      const bool last = i + 1 == power_iters;
      basis = last ? OrthonormalColumns(ProjectTranspose(a, q))  // d×r
                   : normalized([&] { return ProjectTranspose(a, q); });
    }
    return basis;
  }
  const int64_t blocks = KrylovBasisWidth(r, power_iters, d) / r;  // iterates kept
  MatrixXd krylov_blocks(d, blocks * r);
  krylov_blocks.leftCols(r) = basis;
  for (int64_t i = 1; i <= power_iters; ++i) {
    // Blocks need not be orthonormal: the Householder Q of all of them below
    // is the basis; LU keeps each block's entries ≤ 1, so no block swamps
    // another in that QR.
    const MatrixXd q = normalized([&] { return MatrixXd(Project(a, basis)); });
    basis = normalized([&] { return ProjectTranspose(a, q); });
    // Once d columns are used up, each later iterate overwrites the newest
    // block, so the basis always holds V_q, as the guarantee needs.
    const int64_t slot = std::min(i, blocks - 1);
    krylov_blocks.middleCols(slot * r, r) = basis;
  }
  return OrthonormalColumns(std::move(krylov_blocks));
}

template <typename Matrix>
absl::StatusOr<LowRankFactors> FactorsOfSafeInput(const MatrixXd& sketched, const Matrix& a,
                                                  int64_t k, int64_t power_iters, bool krylov,
                                                  double squared_norm) {
  if (!sketched.allFinite()) {
    return absl::InvalidArgumentError(
        "SA has non-finite entries although A is finite: the sketch overflowed; scale A down");
  }
  LowRankFactors out;
  const int64_t n = a.rows(), d = a.cols();
  out.left = ZeroTall(n, k);
  out.right = MatrixXd::Zero(d, k);
  out.singular_values = VectorXd::Zero(k);
  out.passes = 2 + 2 * power_iters;

  auto start = Clock::now();
  // Without iterations SCW needs an orthonormal basis of row(SA) and its
  // rank. With them V₀ only starts the iteration, whose first step
  // normalizes anyway: LU-normalized (SA)ᵀ (14 µs against 50–80 µs for
  // RowSpaceBasis at navy_winds' 144×40). P·L has full column rank even
  // when SA has not, so its span contains row(SA) and the iterates' spans
  // contain those from row(SA): the answer can only be as good or better.
  MatrixXd basis = power_iters > 0 ? LuNormalizedColumns(sketched.transpose())
                                   : RowSpaceBasis(sketched);  // d×r
  out.timings.basis_seconds = SecondsSince(start);
  int64_t r = basis.cols();
  double tail = squared_norm;  // ‖A − YZᵀ‖_F², updated below
  if (r > 0) {
    start = Clock::now();
    basis = IteratedBasis(a, std::move(basis), power_iters, krylov);
    r = basis.cols();  // wider after block Krylov
    out.timings.power_seconds = SecondsSince(start);

    start = Clock::now();
    auto projected = Project(a, basis);  // AV, the only O(n·d·r) step without q
    out.timings.project_seconds = SecondsSince(start);

    start = Clock::now();
    MatrixXd ritz;  // r×k: top right singular vectors of AV
    if (TopRightSingularVectorsByGram(ViewOf(projected), k, &ritz)) {
      // Y = (AV)W_k, Z = V W_k from the eigenvectors of (AV)ᵀ(AV): about
      // 40% of the exact route's time below, refused where the Gram matrix
      // cannot resolve the k-th direction (gram_ritz.h). The error identity
      // holds for any orthonormal W_k.
      const int64_t kept = ritz.cols();
      MultiplyInto(projected, ritz, out.left.leftCols(kept));
      out.right.leftCols(kept).noalias() = basis * ritz;
      OrderByLeftNorms(kept, &out);
      tail -= out.singular_values.head(kept).squaredNorm();
    } else {
      // [AV]_k without forming Q: with AV = QR and R = U_R Σ W_Rᵀ (r×r), the
      // left factor Q U_R Σ equals (AV) W_R, so Y = (AV) W_k. R comes from
      // CholeskyQR2 in AV's own buffer when AV is well conditioned (three
      // BLAS-3 calls, no copy; Householder quality, see cholesky_qr.h), else
      // from Householder QR (backward stable at any condition number).
      CholeskyQrFactors cholesky;
      const CholeskyQrOutcome outcome = CholeskyQr2InPlace(ViewOf(projected), &cholesky);
      if (outcome == CholeskyQrOutcome::kClobbered) projected = Project(a, basis);
      const bool by_cholesky = outcome == CholeskyQrOutcome::kDone;
      const TriangleSvd small = TruncatedTriangleSvd(
          by_cholesky ? cholesky.triangle : TriangularFactor(projected), n, k);
      const int64_t kept = small.singular_values.size();
      out.rank = kept;
      if (kept > 0) {
        out.singular_values.head(kept) = small.singular_values;
        // After CholeskyQR2 the buffer holds Q₁ = (AV)R₁⁻¹, so (AV)W = Q₁(R₁W).
        const MatrixXd lift =
            by_cholesky ? MatrixXd(cholesky.first.triangularView<Eigen::Upper>() *
                                   small.right_vectors)
                        : small.right_vectors;
        MultiplyInto(projected, lift, out.left.leftCols(kept));
        out.right.leftCols(kept).noalias() = basis * small.right_vectors;
        tail -= small.singular_values.squaredNorm();
      }
    }
    out.timings.svd_seconds = SecondsSince(start);
  }

  start = Clock::now();
  const double rounding = std::sqrt(static_cast<double>(d + r)) * kEps * squared_norm;
  if (out.rank > 0 && rounding > kCancellationShare * std::max(tail, 0.0)) {
    const double residual = Residual(a, out.left, out.right);
    tail = residual * residual;
    out.error_from_residual = true;
  }
  out.error = std::sqrt(std::max(tail, 0.0));
  out.input_norm = std::sqrt(squared_norm);
  out.relative_error = squared_norm > 0 ? out.error / out.input_norm : 0.0;
  out.timings.error_seconds = SecondsSince(start);
  return out;
}

// Undoes the input scaling 2^-e on an answer computed from A/2^e.
absl::Status ScaleBack(int exponent, LowRankFactors* f) {
  const double factor = std::ldexp(1.0, exponent);
  // log2 of ‖A‖_F taken before scaling: the scaled norm may be inf, whose
  // ilogb is INT_MAX (adding the exponent would overflow).
  const int64_t log2_norm = static_cast<int64_t>(exponent) + std::ilogb(f->input_norm);
  f->left *= factor;
  f->singular_values *= factor;
  f->error *= factor;
  f->input_norm *= factor;
  if (!std::isfinite(f->input_norm) || !f->left.allFinite()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "‖A‖_F is about 2^", log2_norm,
        ", beyond the double range, so the factors and the error of A cannot be returned; "
        "scale A down (SCW is homogeneous: the answer for A/c is the answer for A divided by c)"));
  }
  return absl::OkStatus();
}

// Measures A, and runs SCW on A itself or, when its scale is extreme, on the
// exactly scaled copy A/2^e, scaling the answer back. `sketch_of(input, e)`
// returns S·input where input = A/2^e.
template <typename Matrix, typename SketchFn>
absl::StatusOr<LowRankFactors> ScaleSafeScw(const Matrix& a, int64_t k,
                                            const LowRankOptions& options, SketchFn sketch_of) {
  const auto start = Clock::now();
  const absl::StatusOr<InputScale> scale = MeasureInput(a, options.input_squared_norm);
  if (!scale.ok()) return scale.status();
  const double measure_seconds = SecondsSince(start);

  const auto run = [&](const Matrix& input) -> absl::StatusOr<LowRankFactors> {
    const auto sketch_start = Clock::now();
    absl::StatusOr<MatrixXd> sketched = sketch_of(input, scale->exponent);
    if (!sketched.ok()) return sketched.status();
    const double sketch_seconds = SecondsSince(sketch_start);
    auto factors = FactorsOfSafeInput(*sketched, input, k, options.power_iters,
                                      options.block_krylov,
                                      scale->scaled_squared_norm);
    if (factors.ok()) factors->timings.sketch_seconds = sketch_seconds;
    return factors;
  };
  absl::StatusOr<LowRankFactors> factors;
  if (!scale->needs_scaling()) {
    factors = run(a);
  } else {
    const auto scaled = ScaledCopy(a, std::ldexp(1.0, -scale->exponent));
    factors = run(scaled);
    if (factors.ok()) {
      if (absl::Status s = ScaleBack(scale->exponent, &*factors); !s.ok()) return s;
    }
  }
  if (!factors.ok()) return factors.status();
  factors->timings.error_seconds += measure_seconds;
  factors->timings.total_seconds = SecondsSince(start);
  return factors;
}

absl::Status CheckSketchOperand(const CountSketch& sketch, int64_t n, int64_t d, int64_t k,
                                const LowRankOptions& options) {
  if (sketch.cols() != n) {
    return absl::InvalidArgumentError(absl::StrCat("sketch has n=", sketch.cols(),
                                                   " columns but A has ", n, " rows"));
  }
  return CheckArguments(n, d, k, options);
}

template <typename Matrix, typename ApplyFn>
absl::StatusOr<LowRankFactors> Scw(const CountSketch& sketch, const Matrix& a, int64_t k,
                                   const LowRankOptions& options, ApplyFn apply) {
  if (absl::Status s = CheckSketchOperand(sketch, a.rows(), a.cols(), k, options); !s.ok()) {
    return s;
  }
  return ScaleSafeScw(a, k, options, [&](const Matrix& input, int) -> absl::StatusOr<MatrixXd> {
    return apply(input);
  });
}

template <typename Matrix>
absl::StatusOr<LowRankFactors> FromSketched(const MatrixXd& sketched, const Matrix& a, int64_t k,
                                            const LowRankOptions& options) {
  if (sketched.cols() != a.cols()) {
    return absl::InvalidArgumentError(absl::StrCat("sketched matrix has ", sketched.cols(),
                                                   " columns but A has ", a.cols()));
  }
  if (absl::Status s = CheckArguments(a.rows(), a.cols(), k, options); !s.ok()) {
    return s;
  }
  // S is linear, so S(A/2^e) = (SA)·2^-e.
  return ScaleSafeScw(a, k, options, [&](const Matrix&, int exponent) -> absl::StatusOr<MatrixXd> {
    if (exponent == 0) return sketched;
    return MatrixXd(sketched * std::ldexp(1.0, -exponent));
  });
}

}  // namespace

int64_t KrylovBasisWidth(int64_t r, int64_t q, int64_t d) {
  if (r <= 0 || q <= 0) return std::max<int64_t>(r, 0);
  // Whole blocks of r columns, at most d columns in all (at least one block):
  // min(q + 1, ⌊d/r⌋) blocks, written so that no q can overflow.
  const int64_t fit = std::max<int64_t>(1, d / r);
  return r * (std::min(q, fit - 1) + 1);
}

absl::Status CheckSketchSizes(int64_t n, int64_t m, int64_t k) {
  if (m < k) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank k = ", k, " exceeds the sketch's m = ", m,
        " rows: SCW returns at most m components; use a sketch with m ≥ k (m = 2k is typical)"));
  }
  if (m > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the sketch has m = ", m, " rows but A has only n = ", n,
        " rows: a sketch larger than A compresses nothing; use m ≤ n"));
  }
  return absl::OkStatus();
}

TriangleSvd TruncatedTriangleSvd(const MatrixXd& triangle, int64_t n, int64_t k) {
  // LAPACK's divide-and-conquer dgesdd: at r = 320 Eigen's one-sided Jacobi
  // SVD took ~0.5 s (bench/perf), more than the n×d×r GEMM it follows; below
  // r ≈ 16 both are microseconds. Jacobi remains the fallback should LAPACK
  // refuse (it only does on invalid arguments or non-convergence).
  const int64_t r = triangle.cols();
  VectorXd sigma(r);
  MatrixXd v(r, r);
  {
    MatrixXd work = triangle;
    MatrixXd u(r, r), vt(r, r);
    const lapack_int lr = static_cast<lapack_int>(r);
    if (r > 0 && LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', lr, lr, work.data(), lr, sigma.data(),
                                u.data(), lr, vt.data(), lr) == 0) {
      v = vt.transpose();
    } else {
      Eigen::JacobiSVD<MatrixXd> svd(triangle, Eigen::ComputeFullV);
      sigma = svd.singularValues();
      v = svd.matrixV();
    }
  }
  const double tol = std::max<double>(n, r) * std::numeric_limits<double>::epsilon() *
                     (sigma.size() > 0 ? sigma(0) : 0.0);
  int64_t kept = 0;
  while (kept < std::min<int64_t>(k, r) && sigma(kept) > tol) ++kept;
  TriangleSvd out;
  out.singular_values = sigma.head(kept);
  out.right_vectors = v.leftCols(kept);
  return out;
}

namespace {

// Below this many sketch rows Eigen's BDCSVD beats LAPACK gesdd on the m×d
// sketch (bench/lowrank: ~1–2 ms vs 2–6 ms at m = 20–60, d = 1080–1920,
// where OpenBLAS's threading costs more than it saves); above it gesdd wins
// (bench/perf, m = 320, d = 1080: BDCSVD 140–200 ms).
constexpr Index kLapackBasisRows = 64;

// Singular values and right singular vectors (d×min(m, d)) of X by gesdd;
// false when LAPACK refuses.
bool LapackRightSvd(const MatrixXd& x, VectorXd* sigma, MatrixXd* v) {
  const lapack_int m = static_cast<lapack_int>(x.rows()), d = static_cast<lapack_int>(x.cols());
  const lapack_int p = std::min(m, d);
  MatrixXd work = x, u(m, p), vt(p, d);
  sigma->resize(p);
  if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', m, d, work.data(), m, sigma->data(), u.data(), m,
                     vt.data(), p) != 0) {
    return false;
  }
  *v = vt.transpose();
  return true;
}

}  // namespace

MatrixXd RowSpaceBasis(const MatrixXd& sketched) {
  if (sketched.size() == 0) return MatrixXd(sketched.cols(), 0);
  // A wide X (m < d) of full row rank and moderate condition (the usual
  // sketch): Xᵀ = QR by CholeskyQR2 and V = Q — three BLAS-3 calls instead
  // of an SVD (bench/perf, 80×1080: gesdd ~4–9 ms). Any orthonormal basis
  // of row(X) gives the same SCW answer, and within CholeskyQR2's range
  // (κ(X) below ~(d·m·ε)^{-1/2}/10, checked) every σ_i(X) lies far above
  // the rank tolerance below, so r = m. Otherwise the SVD decides the rank.
  // Small sketches too: measured on a quiet machine (OpenBLAS 1 or 2
  // threads, best of 200) CholeskyQR2 took 19–25 µs at 20×144, 49–57 µs at
  // 40×144, 40–46 µs at 20×384 and ~0.5 ms at 60×1080, against 90, 350, 180
  // and 3 100 µs for the SVD; the SVD was 80% of SCW's time on 146×144.
  // An all-zero row of X (a CountSketch row no column of A hashed to: about
  // m·e^{-n/m} of them, e.g. one in 40 at n = 146, m = 40) adds nothing to
  // the row space, so it is dropped here rather than sending X to the SVD
  // as rank-deficient.
  std::vector<Index> nonzero_rows;
  nonzero_rows.reserve(static_cast<size_t>(sketched.rows()));
  for (Index i = 0; i < sketched.rows(); ++i) {
    if ((sketched.row(i).array() != 0).any()) nonzero_rows.push_back(i);
  }
  const Index kept_rows = static_cast<Index>(nonzero_rows.size());
  if (kept_rows > 0 && kept_rows < sketched.cols()) {
    // Row-major Xᵀ (d×m'): column j is the j-th nonzero row of X.
    RowMatrixXd xt(sketched.cols(), kept_rows);
    if (kept_rows == sketched.rows()) {
      // Column-major X (m×d) is row-major Xᵀ (d×m) in the same memory.
      xt = Eigen::Map<const RowMatrixXd>(sketched.data(), sketched.cols(), sketched.rows());
    } else {
      for (Index j = 0; j < kept_rows; ++j) xt.col(j) = sketched.row(nonzero_rows[j]).transpose();
    }
    const TallMatrixView view{xt.data(), xt.rows(), xt.cols(), xt.cols(), true};
    CholeskyQrFactors factors;
    CholeskyQrOutcome outcome = CholeskyQr2OrthonormalizeInPlace(view, &factors);
    // Past CholeskyQR2's range (κ above ~1e4 at 320×1080, as a sketch of a
    // matrix with a decaying spectrum easily is) shifted CholeskyQR3 still
    // applies up to κ ~ 3e8 (less for flat spectra; cholesky_qr.h), far
    // below the rank tolerance below (~4e12):
    // the SVD it saves took 57 ms there (bench/perf, m = 320).
    if (outcome == CholeskyQrOutcome::kUntouched) {
      outcome = ShiftedCholeskyQr3OrthonormalizeInPlace(view, &factors);
    }
    if (outcome == CholeskyQrOutcome::kDone) return MatrixXd(xt);
  }
  VectorXd sigma;
  MatrixXd v;
  if (sketched.rows() < kLapackBasisRows || !LapackRightSvd(sketched, &sigma, &v)) {
    Eigen::BDCSVD<MatrixXd> svd(sketched, Eigen::ComputeThinV);
    sigma = svd.singularValues();
    v = svd.matrixV();
  }
  const double tol = static_cast<double>(std::max(sketched.rows(), sketched.cols())) * kEps *
                     sigma(0);
  Index r = 0;
  while (r < sigma.size() && sigma(r) > tol && sigma(r) > 0) ++r;
  return v.leftCols(r);
}

absl::StatusOr<LowRankFactors> ScwLowRank(const CountSketch& sketch, ConstRowMajorRef a, int64_t k,
                                          const LowRankOptions& options) {
  if (options.input_squared_norm >= 0) {
    return Scw(sketch, a, k, options, [&](ConstRowMajorRef input) { return sketch.Apply(input); });
  }
  // ‖A‖_F² unknown: take it from the sketching pass (sketch_and_norm.h)
  // instead of a pass of its own. Should the scale turn out extreme, SCW
  // sketches the scaled copy again (rare inputs pay, everyday ones do not).
  if (absl::Status s = CheckSketchOperand(sketch, a.rows(), a.cols(), k, options); !s.ok()) {
    return s;
  }
  const auto start = Clock::now();
  SketchAndNorm fused = SketchWithSquaredNorm(sketch, a);
  const double fused_seconds = SecondsSince(start);
  LowRankOptions known = options;
  known.input_squared_norm = fused.squared_norm;
  bool used_fused = false;
  auto factors = Scw(sketch, a, k, known, [&](ConstRowMajorRef input) -> MatrixXd {
    if (input.data() != a.data()) return sketch.Apply(input);
    used_fused = true;
    return std::move(fused.sketched);
  });
  if (factors.ok()) {
    if (used_fused) factors->timings.sketch_seconds = fused_seconds;
    factors->timings.total_seconds += fused_seconds;
  }
  return factors;
}

absl::StatusOr<LowRankFactors> ScwLowRankColMajor(const CountSketch& sketch, ConstColMajorRef a,
                                                  int64_t k, const LowRankOptions& options) {
  return Scw(sketch, a, k, options,
             [&](ConstColMajorRef input) { return sketch.ApplyColMajor(input); });
}

absl::StatusOr<LowRankFactors> ScwLowRank(const CountSketch& sketch, const CsrMatrix& a, int64_t k,
                                          const LowRankOptions& options) {
  return Scw(sketch, a, k, options, [&](const CsrMatrix& input) { return sketch.Apply(input); });
}

absl::StatusOr<LowRankFactors> ScwFromSketched(const MatrixXd& sketched, ConstRowMajorRef a,
                                               int64_t k, const LowRankOptions& options) {
  return FromSketched(sketched, a, k, options);
}

absl::StatusOr<LowRankFactors> ScwFromSketchedColMajor(const MatrixXd& sketched,
                                                       ConstColMajorRef a, int64_t k,
                                                       const LowRankOptions& options) {
  return FromSketched(sketched, a, k, options);
}

}  // namespace sketchd
