#include "core/regression/regression_problem.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

absl::Status CheckShape(int64_t n, int64_t d, int64_t b_len) {
  if (n < 1 || d < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("regression matrix A is empty (", n, "x", d, "); it needs at least one row and column"));
  }
  if (d > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("regression matrix A is ", n, "x", d, ": more columns than rows (d > n); "
                     "sketched least squares needs a tall A (n >= d)"));
  }
  if (b_len != n) {
    return absl::InvalidArgumentError(absl::StrCat("right-hand side b has length ", b_len,
                                                   " but A has ", n, " rows; they must match"));
  }
  return absl::OkStatus();
}

absl::Status CheckB(const Eigen::Ref<const VectorXd>& b) {
  for (Index i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("right-hand side b has a non-finite value (", b[i], ") at row ", i));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRegressionShape(int64_t n, int64_t d, const Eigen::Ref<const VectorXd>& b) {
  if (absl::Status s = CheckShape(n, d, b.size()); !s.ok()) return s;
  return CheckB(b);
}

absl::Status ValidateRegressionInput(ConstRowMajorRef a, const Eigen::Ref<const VectorXd>& b) {
  if (absl::Status s = CheckShape(a.rows(), a.cols(), b.size()); !s.ok()) return s;
  if (!a.allFinite()) {  // fast path; locate only on failure
    for (Index i = 0; i < a.rows(); ++i) {
      for (Index j = 0; j < a.cols(); ++j) {
        if (!std::isfinite(a(i, j))) {
          return absl::InvalidArgumentError(absl::StrCat(
              "matrix A has a non-finite value (", a(i, j), ") at row ", i, ", column ", j));
        }
      }
    }
  }
  return CheckB(b);
}

absl::Status ValidateRegressionInput(const CsrMatrix& a, const Eigen::Ref<const VectorXd>& b) {
  if (absl::Status s = CheckShape(a.rows(), a.cols(), b.size()); !s.ok()) return s;
  for (int64_t i = 0; i < a.outerSize(); ++i) {
    for (CsrMatrix::InnerIterator it(a, i); it; ++it) {
      if (!std::isfinite(it.value())) {
        return absl::InvalidArgumentError(absl::StrCat("sparse matrix A has a non-finite value (",
                                                       it.value(), ") at row ", i, ", column ",
                                                       it.col()));
      }
    }
  }
  return CheckB(b);
}

}  // namespace sketchd
