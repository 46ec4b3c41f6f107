#include "core/sketch/sketch_accumulator.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

SketchAccumulator::SketchAccumulator(const CountSketch& sketch, int64_t d)
    : sketch_(&sketch), sum_(RowMatrixXd::Zero(sketch.rows(), d)) {}

absl::Status SketchAccumulator::AddRows(int64_t r0, ConstRowMajorRef block) {
  if (block.cols() != sum_.cols()) {
    return absl::InvalidArgumentError(absl::StrCat("row block has ", block.cols(),
                                                   " columns, expected ", sum_.cols()));
  }
  if (r0 < 0 || r0 + block.rows() > sketch_->cols()) {
    return absl::InvalidArgumentError(absl::StrCat("rows [", r0, ", ", r0 + block.rows(),
                                                   ") are outside the sketch's n=",
                                                   sketch_->cols()));
  }
  sketch_->AccumulateRows(r0, block, sum_);
  rows_added_ += block.rows();
  return absl::OkStatus();
}

absl::Status SketchAccumulator::Merge(const SketchAccumulator& other) {
  if (other.sum_.rows() != sum_.rows() || other.sum_.cols() != sum_.cols()) {
    return absl::InvalidArgumentError("cannot merge accumulators of different shapes");
  }
  sum_ += other.sum_;
  rows_added_ += other.rows_added_;
  return absl::OkStatus();
}

}  // namespace sketchd
