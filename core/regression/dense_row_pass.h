// The passes over a dense row-major A that Solve makes on its default path,
// written row by row so that each pass runs at memory speed.
//
// Why: on a tall, narrow A (500 000×50) the generic versions were the bulk
// of the solve (bench/perf): Eigen's allFinite ran single-threaded at a
// tenth of memory speed (0.15 s, as long as the rest of the solve), and the
// fused A·v / Aᵀu pass built on small block GEMVs took 3× a plain read of A.
// Here every pass reads each row once, while it is in L1, on all threads.
#ifndef SKETCHD_CORE_REGRESSION_DENSE_ROW_PASS_H_
#define SKETCHD_CORE_REGRESSION_DENSE_ROW_PASS_H_

#include "core/matrix_types.h"

namespace sketchd {

// max |a_ij| and whether every entry is finite, in one pass. When `finite`
// is false, max_abs is meaningless.
struct DenseScan {
  double max_abs = 0;
  bool finite = true;
};
DenseScan ScanDense(ConstRowMajorRef a, int threads);

// The fused LSQR pass on scale·A: u ← scale·A·v − alpha·u, then
// w ← scale·Aᵀu (with the new u); returns ‖u‖² of the new u. The same
// contract as DataMatrix::MultiplyThenAdjoint, on dense A only.
double FusedMultiplyAdjoint(ConstRowMajorRef a, double scale, const VectorXd& v, double alpha,
                            VectorXd* u, VectorXd* w, int threads);

// ‖scale·A·x − b‖ without materialising A·x.
double DenseResidualNorm(ConstRowMajorRef a, double scale, const VectorXd& x,
                         const Eigen::Ref<const VectorXd>& b, int threads);

}  // namespace sketchd

#endif  // SKETCHD_CORE_REGRESSION_DENSE_ROW_PASS_H_
