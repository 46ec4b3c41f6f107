#include "core/regression/gram_preconditioner.h"

#include <cblas.h>
#include <lapacke.h>

namespace sketchd {

std::optional<MatrixXd> GramPreconditioner(const DataMatrix& a, double* condition) {
  if (a.sparse() || a.cols() < 1 || a.rows() < a.cols()) return std::nullopt;
  const ConstRowMajorRef& dense = a.dense();
  const int n = static_cast<int>(a.rows()), d = static_cast<int>(a.cols());
  MatrixXd g = MatrixXd::Zero(d, d);
  // Row-major A (n×d) is column-major Aᵀ (d×n): G = (Aᵀ)(Aᵀ)ᵀ, upper triangle.
  // The scale is a power of two, so scale²·AᵀA is exact scaling.
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, n, a.scale() * a.scale(), dense.data(),
              static_cast<int>(dense.outerStride()), 0.0, g.data(), d);
  if (!g.allFinite()) return std::nullopt;
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', d, g.data(), d) != 0) return std::nullopt;
  MatrixXd r = g.triangularView<Eigen::Upper>();
  double rcond = 0;
  if (LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', d, r.data(), d, &rcond) != 0 ||
      !(rcond > 0) || 1.0 / rcond > kMaxGramCondition) {
    return std::nullopt;
  }
  if (condition != nullptr) *condition = 1.0 / rcond;
  return r;
}

}  // namespace sketchd
