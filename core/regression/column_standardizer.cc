#include "core/regression/column_standardizer.h"

#include <cmath>

namespace sketchd {

ColumnStandardizer ColumnStandardizer::Fit(const std::vector<RegressionProblem>& training) {
  const Index d = training.front().a.cols();
  VectorXd sum = VectorXd::Zero(d);
  double count = 0;
  for (const RegressionProblem& p : training) {
    sum += p.a.colwise().sum().transpose();
    count += static_cast<double>(p.a.rows());
  }
  ColumnStandardizer s;
  s.mean = sum / count;
  VectorXd sq = VectorXd::Zero(d);
  for (const RegressionProblem& p : training) {
    sq += (p.a.rowwise() - s.mean.transpose()).colwise().squaredNorm().transpose();
  }
  s.scale = (sq / count).cwiseSqrt();
  for (Index j = 0; j < d; ++j) {
    if (!(s.scale[j] > 0)) s.scale[j] = 1;
  }
  return s;
}

void ColumnStandardizer::Apply(RegressionProblem* problem) const {
  problem->a = ((problem->a.rowwise() - mean.transpose()).array().rowwise() /
                scale.transpose().array()).matrix();
}

}  // namespace sketchd
