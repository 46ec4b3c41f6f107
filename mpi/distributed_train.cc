#include "mpi/distributed_train.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "client/matrix_inputs.h"
#include "core/regression/regression_problem.h"
#include "core/regression/regression_shard.h"
#include "core/regression/train_regression.h"
#include "core/training/train_low_rank.h"
#include "core/training/training_shard.h"
#include "mpi/row_range.h"

namespace sketchd {
namespace {

// Every rank's status agreed; the lowest failing rank's error everywhere.
#define SKETCHMPI_AGREE(comm, expr)                                  \
  do {                                                               \
    if (absl::Status _s = (comm).AgreeOnStatus(expr); !_s.ok()) return _s; \
  } while (0)

// [A | b] files → problems (this rank's), then core's trainer over them.
absl::StatusOr<TrainedSketch> TrainRegression(Communicator& comm,
                                              const DistributedTrainingSet& set,
                                              const TrainOptions& options,
                                              const ProgressCallback& progress) {
  if (set.cols < 2) {
    return absl::InvalidArgumentError(
        "regression training matrices are [A | b]: they need at least 2 columns");
  }
  const int64_t d = set.cols - 1;
  std::vector<RegressionProblem> local;
  for (const RowMatrixXd& ab : set.local) local.push_back({ab.leftCols(d), ab.col(d)});
  RegressionShard shard;
  shard.local = &local;
  shard.first = set.first;
  shard.total = set.total;
  shard.rows = set.rows;
  shard.cols = d;
  shard.reducer = &comm;
  auto trained = TrainRegressionSketchOnShard(shard, options, progress, nullptr);
  if (trained.ok()) absl::StrAppend(&trained->notes, comm.size(), " MPI ranks. ");
  return trained;
}

}  // namespace

absl::StatusOr<DistributedTrainingSet> ReadDistributedTrainingSet(
    Communicator& comm, const std::vector<std::string>& inputs) {
  auto paths = ExpandMatrixPaths(inputs);
  SKETCHMPI_AGREE(comm, paths.status());
  DistributedTrainingSet set;
  set.files = static_cast<int64_t>(paths->size());
  const RowRange mine = RowRangeOfRank(set.files, comm.rank(), comm.size());
  // Per file: matrices, rows, cols (zeros where another rank reads it).
  std::vector<double> shape(3 * static_cast<size_t>(set.files), 0.0);
  absl::Status read;
  for (int64_t f = mine.first; f < mine.first + mine.count; ++f) {
    auto family = ReadMatrixFamilyFile((*paths)[f]);
    if (!family.ok()) {
      read = family.status();
      break;
    }
    if (family->empty()) continue;
    const Index rows = (*family)[0].rows(), cols = (*family)[0].cols();
    shape[3 * f] = static_cast<double>(family->size());
    shape[3 * f + 1] = static_cast<double>(rows);
    shape[3 * f + 2] = static_cast<double>(cols);
    for (RowMatrixXd& a : *family) {
      if (a.rows() != rows || a.cols() != cols) {
        read = InputError(absl::InvalidArgumentError(
            absl::StrCat((*paths)[f], ": matrices of different shapes in one file")));
        break;
      }
      set.local.push_back(std::move(a));
    }
  }
  SKETCHMPI_AGREE(comm, read);
  comm.SumInPlace(shape.data(), static_cast<int64_t>(shape.size()));
  for (int64_t f = 0; f < set.files; ++f) {
    const int64_t c = static_cast<int64_t>(shape[3 * f]);
    if (f < mine.first) set.first += c;
    set.total += c;
    if (c == 0) continue;
    const int64_t r = static_cast<int64_t>(shape[3 * f + 1]), cols = static_cast<int64_t>(shape[3 * f + 2]);
    if (set.rows == 0) {
      set.rows = r;
      set.cols = cols;
    } else if (r != set.rows || cols != set.cols) {
      return InputError(absl::InvalidArgumentError(absl::StrCat(
          (*paths)[f], " holds ", r, "x", cols, " matrices but the first file's are ", set.rows,
          "x", set.cols, "; all training matrices must have the same shape")));
    }
  }
  if (set.total == 0) return InputError(absl::InvalidArgumentError("no training matrices given"));
  return set;
}

absl::StatusOr<TrainedSketch> DistributedTrainSketch(Communicator& comm,
                                                     const DistributedTrainingSet& set,
                                                     const TrainOptions& options,
                                                     const ProgressCallback& progress) {
  if (options.task == SketchTask::kRegression) return TrainRegression(comm, set, options, progress);
  TrainingShard shard;
  shard.local = &set.local;
  shard.first = set.first;
  shard.total = set.total;
  shard.rows = set.rows;
  shard.cols = set.cols;
  shard.reducer = &comm;
  auto trained = TrainLowRankSketchOnShard(shard, options, progress, nullptr);
  if (trained.ok()) absl::StrAppend(&trained->notes, "; ", comm.size(), " MPI ranks");
  return trained;
}

}  // namespace sketchd
