#include "core/lowrank/exact_svd.h"

#include <lapacke.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

absl::Status CheckFinite(ConstColMajorRef a) {
  if (a.rows() < 1 || a.cols() < 1) return absl::InvalidArgumentError("matrix is empty");
  if (!a.allFinite()) return absl::InvalidArgumentError("matrix has non-finite entries");
  return absl::OkStatus();
}

absl::Status LapackError(const char* routine, lapack_int info) {
  if (info < 0) return absl::InternalError(absl::StrCat(routine, ": bad argument ", -info));
  return absl::InternalError(absl::StrCat(routine, " did not converge (info=", info, ")"));
}

}  // namespace

absl::StatusOr<VectorXd> SingularValues(ConstColMajorRef a) {
  if (absl::Status s = CheckFinite(a); !s.ok()) return s;
  MatrixXd work = a;  // gesdd destroys its input
  const lapack_int n = static_cast<lapack_int>(work.rows());
  const lapack_int d = static_cast<lapack_int>(work.cols());
  VectorXd sigma(std::min(n, d));
  const lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', n, d, work.data(), n, sigma.data(),
                                         nullptr, 1, nullptr, 1);
  if (info != 0) return LapackError("dgesdd", info);
  return sigma;
}

absl::StatusOr<TruncatedSvd> ExactTruncatedSvd(ConstColMajorRef a, int64_t k) {
  if (absl::Status s = CheckFinite(a); !s.ok()) return s;
  const lapack_int n = static_cast<lapack_int>(a.rows());
  const lapack_int d = static_cast<lapack_int>(a.cols());
  const lapack_int p = std::min(n, d);
  if (k < 1 || k > p) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank k must be in [1, min(n, d)] = [1, ", p, "], got ", k));
  }
  MatrixXd work = a;
  MatrixXd u(n, p), vt(p, d);
  VectorXd sigma(p);
  const lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, d, work.data(), n, sigma.data(),
                                         u.data(), n, vt.data(), p);
  if (info != 0) return LapackError("dgesdd", info);
  TruncatedSvd out;
  out.u = u.leftCols(k);
  out.singular_values = sigma.head(k);
  out.v = vt.topRows(k).transpose();
  return out;
}

double OptimalLowRankError(const VectorXd& singular_values, int64_t k) {
  if (k >= singular_values.size()) return 0.0;
  return singular_values.tail(singular_values.size() - k).norm();
}

}  // namespace sketchd
