#include "core/training/train_sketch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/regression/regression_problem.h"
#include "core/regression/train_regression.h"
#include "core/training/train_low_rank.h"

namespace sketchd {

absl::StatusOr<TrainedSketch> TrainSketch(std::vector<RowMatrixXd> matrices,
                                          const TrainOptions& options,
                                          const ProgressCallback& progress,
                                          const CancelToken* cancel) {
  if (options.task == SketchTask::kLowRank) {
    return TrainLowRankSketch(matrices, options, progress, cancel);
  }
  std::vector<RegressionProblem> problems;
  problems.reserve(matrices.size());
  for (size_t i = 0; i < matrices.size(); ++i) {
    RowMatrixXd& ab = matrices[i];
    if (ab.cols() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "regression training matrices are [A | b] with b the last column: they need at least "
          "2 columns; matrix ", i, " has ", ab.cols()));
    }
    const Index d = ab.cols() - 1;
    problems.push_back({ab.leftCols(d), ab.col(d)});
    ab.resize(0, 0);  // one copy of the data at a time
  }
  return TrainRegressionSketch(problems, options, progress, cancel);
}

}  // namespace sketchd
