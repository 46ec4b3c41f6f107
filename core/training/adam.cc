#include "core/training/adam.h"

#include <cmath>

namespace sketchd {

Adam::Adam(Index size, double learning_rate, double beta1, double beta2, double epsilon)
    : learning_rate_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon),
      first_(VectorXd::Zero(size)), second_(VectorXd::Zero(size)) {}

void Adam::Step(const VectorXd& grad, VectorXd* params) {
  ++steps_;
  first_ = beta1_ * first_ + (1 - beta1_) * grad;
  second_ = beta2_ * second_ + (1 - beta2_) * grad.cwiseAbs2();
  const double c1 = 1 - std::pow(beta1_, static_cast<double>(steps_));
  const double c2 = 1 - std::pow(beta2_, static_cast<double>(steps_));
  params->array() -= learning_rate_ * (first_.array() / c1) /
                     ((second_.array() / c2).sqrt() + epsilon_);
}

void Adam::Reset() {
  first_.setZero();
  second_.setZero();
  steps_ = 0;
}

double ClipGradient(double max_norm, VectorXd* grad) {
  const double norm = grad->norm();
  if (std::isfinite(norm) && norm > max_norm && max_norm > 0) *grad *= max_norm / norm;
  return norm;
}

}  // namespace sketchd
