#include "core/regression/leverage_scores.h"

namespace sketchd {

VectorXd LeverageScores(ConstRowMajorRef a) {
  const MatrixXd col = a;
  Eigen::HouseholderQR<MatrixXd> qr(col);
  const MatrixXd q = qr.householderQ() * MatrixXd::Identity(a.rows(), a.cols());
  return q.rowwise().squaredNorm();
}

}  // namespace sketchd
