#include "mpi/distributed_low_rank.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/lowrank/dense_kernels.h"
#include "core/lowrank/tsqr.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One subspace iteration V ← orth(Aᵀ orth(AV)) with A row-distributed.
// orth(AV) comes from the TSQR factor R = U Σ Wᵀ of AV: Q = (AV)·W·Σ⁻¹ has
// orthonormal columns spanning range(AV), dropping directions AV does not
// have (so a rank-deficient AV is fine); AᵀQ is one d×c sum over ranks,
// orthonormalised by Householder QR on every rank (same input, same V).
MatrixXd PowerIteration(Communicator& comm, const LocalRows& a, const MatrixXd& basis, int64_t n) {
  const int64_t d = basis.rows();
  const RowMatrixXd projected =
      a.range.count > 0 ? MultiplyTallByThin(a.rows, basis) : RowMatrixXd(0, basis.cols());
  const MatrixXd triangle = comm.ReduceTriangularFactors(BlockTriangularFactor(projected));
  const TriangleSvd svd = TruncatedTriangleSvd(triangle, n, basis.cols());
  const int64_t c = svd.singular_values.size();
  MatrixXd gram = MatrixXd::Zero(d, c);  // Aᵀ Q
  if (c > 0 && a.range.count > 0) {
    const MatrixXd q = projected * (svd.right_vectors * svd.singular_values.cwiseInverse().asDiagonal());
    gram.noalias() = a.rows.transpose() * q;
  }
  comm.SumInPlace(&gram);
  if (c == 0) return MatrixXd(d, 0);
  Eigen::HouseholderQR<MatrixXd> qr(gram);
  return qr.householderQ() * MatrixXd::Identity(d, c);
}

}  // namespace

absl::StatusOr<DistributedLowRank> DistributedScwLowRank(Communicator& comm,
                                                         const CountSketch& sketch,
                                                         const LocalRows& a, int64_t cols,
                                                         int64_t k, int64_t power_iters) {
  const int64_t n = a.total_rows, d = cols;
  if (n < 1 || d < 1) {
    return absl::InvalidArgumentError(absl::StrCat("matrix must be non-empty, got ", n, "x", d));
  }
  if (k < 1 || k > std::min(n, d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank k must be in [1, min(n, d)] = [1, ", std::min(n, d), "], got ", k));
  }
  if (power_iters < 0 || power_iters > kMaxPowerIters) {
    return absl::InvalidArgumentError(absl::StrCat("power iterations must be in [0, ",
                                                   kMaxPowerIters, "], got ", power_iters));
  }
  if (sketch.cols() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("sketch has n=", sketch.cols(), " columns but A has ", n, " rows"));
  }
  // Checked before the m×d sum is allocated, by core's rule k ≤ m ≤ n (a
  // sketch larger than A compresses nothing; SCW returns at most m components).
  if (absl::Status sizes = CheckSketchSizes(n, sketch.rows(), k); !sizes.ok()) return sizes;
  DistributedLowRank out;
  const auto start = Clock::now();

  RowMatrixXd sketched = RowMatrixXd::Zero(sketch.rows(), d);
  if (a.range.count > 0) sketch.AccumulateRows(a.range.first, a.rows, sketched);
  comm.SumInPlace(&sketched);
  out.timings.sketch_seconds = SecondsSince(start);
  if (!sketched.allFinite()) {
    return absl::InvalidArgumentError("SA has non-finite entries: A must be finite");
  }

  auto step = Clock::now();
  // d×r, identical on every rank (the same SA, the same deterministic
  // factorization). As in core (scw_low_rank.cc): with iterations V₀ is the
  // LU-normalized (SA)ᵀ, of full column rank even where SA has zero or
  // dependent rows, so both answer from the same spans.
  MatrixXd basis = power_iters > 0 ? LuNormalizedColumns(MatrixXd(sketched.transpose()))
                                   : RowSpaceBasis(MatrixXd(sketched));
  out.timings.basis_seconds = SecondsSince(step);
  out.local_left = RowMatrixXd::Zero(a.range.count, k);
  out.right = MatrixXd::Zero(d, k);
  out.singular_values = VectorXd::Zero(k);
  if (basis.cols() == 0) {  // SA = 0: the best answer in row(SA) is 0, as in core.
    out.timings.total_seconds = SecondsSince(start);
    return out;
  }

  step = Clock::now();
  for (int64_t i = 0; i < power_iters && basis.cols() > 0; ++i) {
    basis = PowerIteration(comm, a, basis, n);
  }
  out.power_seconds = SecondsSince(step);
  if (basis.cols() == 0) {  // A V = 0 for the sketch's whole row space
    out.timings.total_seconds = SecondsSince(start);
    return out;
  }

  step = Clock::now();
  const RowMatrixXd projected =
      a.range.count > 0 ? MultiplyTallByThin(a.rows, basis) : RowMatrixXd(0, basis.cols());
  out.timings.project_seconds = SecondsSince(step);

  step = Clock::now();
  const MatrixXd triangle = comm.ReduceTriangularFactors(BlockTriangularFactor(projected));
  const TriangleSvd small = TruncatedTriangleSvd(triangle, n, k);
  const int64_t kept = small.singular_values.size();
  out.rank = kept;
  if (kept > 0) {
    out.singular_values.head(kept) = small.singular_values;
    out.local_left.leftCols(kept).noalias() = projected * small.right_vectors;
    out.right.leftCols(kept).noalias() = basis * small.right_vectors;
  }
  out.timings.svd_seconds = SecondsSince(step);
  out.timings.total_seconds = SecondsSince(start);
  return out;
}

}  // namespace sketchd
