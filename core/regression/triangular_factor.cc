#include "core/regression/triangular_factor.h"

#include <lapacke.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/lowrank/dense_kernels.h"

namespace sketchd {

double RankTolerance(int64_t m, int64_t d) {
  return std::max(1e-13, static_cast<double>(std::max(m, d)) * std::numeric_limits<double>::epsilon());
}

absl::Status RankDeficientError(const MatrixXd& x, absl::string_view context) {
  Eigen::ColPivHouseholderQR<MatrixXd> qr(x);
  const double max_diag = qr.matrixR().diagonal().cwiseAbs().maxCoeff();
  const double tol = RankTolerance(x.rows(), x.cols());
  Index rank = 0;
  while (rank < x.cols() && std::abs(qr.matrixR()(rank, rank)) > tol * max_diag) ++rank;
  std::vector<int64_t> dependent;
  for (Index i = rank; i < x.cols(); ++i) dependent.push_back(qr.colsPermutation().indices()[i]);
  if (dependent.empty()) dependent.push_back(qr.colsPermutation().indices()[x.cols() - 1]);
  std::sort(dependent.begin(), dependent.end());
  if (dependent.size() > 20) dependent.resize(20);
  return absl::FailedPreconditionError(absl::StrCat(
      context, " is rank-deficient (numerical rank ", rank, " of ", x.cols(),
      " columns; column(s) ", absl::StrJoin(dependent, ", "),
      " are, to working precision, combinations of the others). The least-squares solution is "
      "not unique: remove or merge those columns of A (or add a ridge penalty); if A itself has "
      "full column rank, use a larger sketch (m) or a sparse_sign/gaussian sketch"));
}

absl::StatusOr<MatrixXd> UpperTriangularFactor(MatrixXd x, absl::string_view context) {
  const lapack_int m = static_cast<lapack_int>(x.rows());
  const lapack_int d = static_cast<lapack_int>(x.cols());
  if (m < d) {
    return absl::InvalidArgumentError(absl::StrCat(context, " has ", m, " rows but ", d,
                                                   " columns; the sketch needs m >= d rows"));
  }
  if (!x.allFinite()) {
    return absl::InvalidArgumentError(absl::StrCat(context, " has non-finite entries (overflow in A?)"));
  }
  MatrixXd r = TriangularFactor(x);  // x is kept for the rank diagnosis below
  double rcond = 0;
  if (r.diagonal().cwiseAbs().minCoeff() > 0) {
    const lapack_int info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', d, r.data(), d, &rcond);
    if (info != 0) return absl::InternalError(absl::StrCat("dtrcon failed (info=", info, ")"));
  }
  if (!(rcond > RankTolerance(m, d))) return RankDeficientError(x, context);
  return r;
}

}  // namespace sketchd
