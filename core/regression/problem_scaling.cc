#include "core/regression/problem_scaling.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

int Exponent(double max_abs) {
  if (!(max_abs > 0) || !std::isfinite(max_abs)) return 0;
  int e = 0;
  std::frexp(max_abs, &e);  // max_abs = f·2^e, f in [1/2, 1)
  return e;
}

}  // namespace

ProblemScaling ProblemScaling::FromMaxAbs(double a_max_abs, double b_max_abs) {
  ProblemScaling s;
  s.a_exponent = Exponent(a_max_abs);
  s.b_exponent = Exponent(b_max_abs);
  return s;
}

void MultiplyByPowerOfTwo(int e, Eigen::Ref<VectorXd> v) {
  if (e == 0) return;
  v *= std::ldexp(1.0, e / 2);
  v *= std::ldexp(1.0, e - e / 2);
}

double MultiplyByPowerOfTwo(int e, double v) {
  return std::ldexp(std::ldexp(v, e / 2), e - e / 2);
}

absl::StatusOr<double> ScaledLassoRadius(const ProblemScaling& s, double lambda) {
  const double scaled = MultiplyByPowerOfTwo(s.a_exponent - s.b_exponent, lambda);
  if (!std::isfinite(scaled) || scaled < std::numeric_limits<double>::min()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lasso_lambda=", lambda, " is out of the range of double relative to this problem's scale "
        "(max|A| ~ 2^", s.a_exponent, ", max|b| ~ 2^", s.b_exponent,
        "): the constraint is either vacuous or forces x = 0; rescale A or b"));
  }
  return scaled;
}

absl::Status UnscaleSolution(const ProblemScaling& s, VectorXd* x) {
  MultiplyByPowerOfTwo(s.b_exponent - s.a_exponent, *x);
  if (!x->allFinite()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the least-squares solution is out of the range of double (max|A| ~ 2^", s.a_exponent,
        ", max|b| ~ 2^", s.b_exponent, ", so |x| ~ 2^", s.b_exponent - s.a_exponent,
        " or more); rescale A or b so that x is representable"));
  }
  return absl::OkStatus();
}

}  // namespace sketchd
