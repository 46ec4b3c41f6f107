#include "core/train_sketch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/regression/regression_problem.h"
#include "core/regression/train_regression.h"
#include "core/training/train_low_rank.h"
#include "core/training/train_option_table.h"

namespace sketchd {

absl::StatusOr<TrainedSketch> TrainSketch(std::vector<RowMatrixXd> matrices,
                                          const TrainOptions& options,
                                          const ProgressCallback& progress,
                                          const CancelToken* cancel) {
  // Before any transposing: transpose with the regression task is refused
  // here with the table's message, not by a routine that ignores the flag.
  if (absl::Status st = CheckTrainOptions(options); !st.ok()) return st;
  if (options.task == SketchTask::kLowRank) {
    if (!options.transpose) return TrainLowRankSketch(matrices, options, progress, cancel);
    // Named here in the user's terms; after transposing, core's size check
    // would call the columns "n".
    for (size_t i = 0; i < matrices.size(); ++i) {
      if (options.m > matrices[i].cols()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "m = ", options.m, " exceeds the ", matrices[i].cols(), " columns of training matrix ",
            i, ": with transpose the sketch acts on the columns d; use m ≤ d"));
      }
    }
    // Every low-rank method learns an m×n sketch of its matrices' rows; fed
    // Aᵢᵀ it learns an m×d sketch of A's columns, which is what a range
    // sketch R of the two-sided scheme is (Li et al. train R on Aᵀ). Its
    // validation figures are then SCW on the held-out Aᵢᵀ, which is the
    // quality R brings: the range AR it spans is (R Aᵀ)ᵀ's.
    for (RowMatrixXd& a : matrices) {
      RowMatrixXd t = a.transpose();  // one extra matrix at a time
      a = std::move(t);
    }
    absl::StatusOr<TrainedSketch> trained = TrainLowRankSketch(matrices, options, progress, cancel);
    if (trained.ok()) {
      absl::StrAppend(&trained->notes, "; trained on the transposes (n = columns of the matrices)");
    }
    return trained;
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
