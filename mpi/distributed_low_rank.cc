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

}  // namespace

absl::StatusOr<DistributedLowRank> DistributedScwLowRank(Communicator& comm,
                                                         const CountSketch& sketch,
                                                         const LocalRows& a, int64_t cols,
                                                         int64_t k) {
  const int64_t n = a.total_rows, d = cols;
  if (n < 1 || d < 1) {
    return absl::InvalidArgumentError(absl::StrCat("matrix must be non-empty, got ", n, "x", d));
  }
  if (k < 1 || k > std::min(n, d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank k must be in [1, min(n, d)] = [1, ", std::min(n, d), "], got ", k));
  }
  if (sketch.cols() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("sketch has n=", sketch.cols(), " columns but A has ", n, " rows"));
  }
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
  const MatrixXd basis = RowSpaceBasis(MatrixXd(sketched));  // d×r, identical on every rank
  out.timings.basis_seconds = SecondsSince(step);
  const int64_t r = basis.cols();
  out.local_left = RowMatrixXd::Zero(a.range.count, k);
  out.right = MatrixXd::Zero(d, k);
  out.singular_values = VectorXd::Zero(k);
  if (r == 0) {  // SA = 0: the best answer in row(SA) is 0, as in core.
    out.timings.total_seconds = SecondsSince(start);
    return out;
  }

  step = Clock::now();
  const RowMatrixXd projected =
      a.range.count > 0 ? MultiplyTallByThin(a.rows, basis) : RowMatrixXd(0, r);
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
