// SA and ‖A‖_F² in one pass over a dense row-major A.
//
// Why: SCW needs both, and each is a full read of A (bench/perf, 5760×1080:
// 1.5 ms a pass, against a whole SCW of ~15 ms at m = 20). The CountSketch
// kernel reads every row of A anyway; squaring the row while it is in L1
// costs almost nothing, so the separate ‖A‖_F pass of input_scale.h goes.
#ifndef SKETCHD_CORE_LOWRANK_SKETCH_AND_NORM_H_
#define SKETCHD_CORE_LOWRANK_SKETCH_AND_NORM_H_

#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

struct SketchAndNorm {
  MatrixXd sketched;          // S·A (m×d)
  double squared_norm = 0;    // ‖A‖_F² (inf or NaN when A has such entries)
};

// ‖A‖_F² summed row by row in row order: the one definition every SCW
// path on row-major A uses (this pass, input_scale.h, sketch auto), so an
// answer's error does not depend on which path measured ‖A‖_F, to the bit.
double SquaredNormByRows(ConstRowMajorRef a);

// Requires sketch.cols() == a.rows() (callers check; a mismatch throws
// std::invalid_argument like CountSketch::Apply).
SketchAndNorm SketchWithSquaredNorm(const CountSketch& sketch, ConstRowMajorRef a);

}  // namespace sketchd

#endif  // SKETCHD_CORE_LOWRANK_SKETCH_AND_NORM_H_
