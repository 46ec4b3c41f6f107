// Builds SA incrementally as row blocks of A arrive (from a network stream, a
// file reader or an MPI rank's slice). Partial accumulators over disjoint row
// ranges merge by addition, because SA = Σ_p S[:, rows_p] A[rows_p, :].
#ifndef SKETCHD_CORE_SKETCH_SKETCH_ACCUMULATOR_H_
#define SKETCHD_CORE_SKETCH_SKETCH_ACCUMULATOR_H_

#include <cstdint>

#include "absl/status/status.h"
#include "core/matrix_types.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

class SketchAccumulator {
 public:
  // `sketch` must outlive the accumulator. d is the column count of A.
  SketchAccumulator(const CountSketch& sketch, int64_t d);

  // Adds rows [r0, r0 + block.rows()) of A. Fails (and changes nothing) if the
  // block has the wrong width or reaches past row n.
  absl::Status AddRows(int64_t r0, ConstRowMajorRef block);

  // Adds another accumulator's partial sum (same sketch shape and d).
  absl::Status Merge(const SketchAccumulator& other);

  // Number of rows added so far (counting each AddRows call's rows).
  int64_t rows_added() const { return rows_added_; }

  // The current sum: equals SA once every row of A was added exactly once.
  const RowMatrixXd& result() const { return sum_; }

 private:
  const CountSketch* sketch_;
  RowMatrixXd sum_;
  int64_t rows_added_ = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_SKETCH_ACCUMULATOR_H_
