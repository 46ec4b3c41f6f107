// The two-sided one-pass answer computed densely, for the tests that check
// core's streaming accumulator against it: Â = (AR)·X·(SA) with
// X = argmin_{rank X ≤ k} ‖(TAR) X (SAW) − TAW‖_F, all matrices dense and
// the minimiser from pseudo-inverses (Friedland–Torokhti):
// X = (TAR)⁺ [P_{TAR} TAW P_{SAW}]_k (SAW)⁺, written with the thin SVDs.
#ifndef SKETCHD_TESTS_CORE_TWO_SIDED_REFERENCE_H_
#define SKETCHD_TESTS_CORE_TWO_SIDED_REFERENCE_H_

#include <cstdint>

#include "core/lowrank/two_sided_sketch.h"
#include "core/matrix_types.h"

namespace sketchd::testing {

inline MatrixXd DenseTwoSidedReference(const TwoSidedSketches& s, const MatrixXd& a, int64_t k) {
  const MatrixXd sd = s.left.ToDense();
  const MatrixXd rd = s.right.ToDense().transpose();
  const MatrixXd td = s.core_left.ToDense();
  const MatrixXd wd = s.core_right.ToDense().transpose();
  const MatrixXd tar = td * a * rd, saw = sd * a * wd, taw = td * a * wd;
  Eigen::JacobiSVD<MatrixXd> e(tar, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Eigen::JacobiSVD<MatrixXd> f(saw, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const MatrixXd mid = e.matrixU().transpose() * taw * f.matrixV();
  Eigen::JacobiSVD<MatrixXd> c(mid, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const MatrixXd mid_k = c.matrixU().leftCols(k) * c.singularValues().head(k).asDiagonal() *
                         c.matrixV().leftCols(k).transpose();
  const MatrixXd x = e.matrixV() * e.singularValues().cwiseInverse().asDiagonal() * mid_k *
                     f.singularValues().cwiseInverse().asDiagonal() * f.matrixU().transpose();
  return (a * rd) * x * (sd * a);
}

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_CORE_TWO_SIDED_REFERENCE_H_
