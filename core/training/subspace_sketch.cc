#include "core/training/subspace_sketch.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "core/lowrank/dense_kernels.h"
#include "core/parallel/ordered_accumulate.h"
#include "core/sketch/philox.h"
#include "core/training/ivy_training.h"

namespace sketchd {
namespace {

// Oversampling and subspace iterations of the randomized range finder: with
// p = 10 and q = 3 the top-m eigenvectors of G come out accurate to far
// below what the sketch's quality can notice (HMT 2011 §10).
constexpr int64_t kOversampling = 10;
constexpr int kRangeFinderIterations = 3;
constexpr uint32_t kGaussianStream = 0x5b5;

// The sum `add` builds from zero, the same on every process (see
// ordered_accumulate.h); CANCELLED if `add` stopped early here.
absl::StatusOr<MatrixXd> OrderedTotal(Index rows, Index cols, Reducer* reducer,
                                      const std::function<bool(MatrixXd*)>& add) {
  MatrixXd total = MatrixXd::Zero(rows, cols);
  bool completed = true;
  OrderedAccumulate(reducer, &total, [&](MatrixXd* sum) { completed = add(sum); });
  if (!completed) return absl::CancelledError("training cancelled");
  return total;
}

// G·X = Σ w_i A_i (A_iᵀ X), never forming G.
absl::StatusOr<MatrixXd> ApplyGram(const std::vector<TrainingMatrix>& train, const MatrixXd& x,
                                   const TrainingControl& control, Reducer* reducer) {
  return OrderedTotal(x.rows(), x.cols(), reducer, [&](MatrixXd* out) {
    for (const TrainingMatrix& tm : train) {
      if (control.cancelled()) return false;
      if (!HeldHere(tm)) continue;
      const MatrixXd at_x = MultiplyTransposeByThin(tm.raw(), x);
      out->noalias() += tm.loss_weight() * MultiplyTallByThin(tm.raw(), at_x);
    }
    return true;
  });
}

// Top-m eigenvectors of a symmetric matrix, as rows, largest first.
MatrixXd TopEigenvectorRows(const MatrixXd& symmetric, int64_t m) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> eig(symmetric);
  // Eigenvalues ascend: the last m columns, reversed.
  return eig.eigenvectors().rightCols(m).rowwise().reverse().transpose();
}

}  // namespace

absl::StatusOr<MatrixXd> TrainSubspaceSketch(const std::vector<TrainingMatrix>& train, int64_t m,
                                             uint64_t seed, const TrainingControl& control,
                                             int64_t gram_max_rows) {
  if (train.empty()) return absl::InvalidArgumentError("no training matrices given");
  return TrainSubspaceSketch(train, train[0].raw().rows(), m, seed, control, nullptr,
                             gram_max_rows);
}

absl::StatusOr<MatrixXd> TrainSubspaceSketch(const std::vector<TrainingMatrix>& train, int64_t n,
                                             int64_t m, uint64_t seed,
                                             const TrainingControl& control, Reducer* reducer,
                                             int64_t gram_max_rows) {
  if (train.empty()) return absl::InvalidArgumentError("no training matrices given");
  if (m < 1 || m > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "subspace: sketch rows m must be in [1, n] = [1, ", n, "], got ", m,
        " (S holds m orthonormal rows of length n)"));
  }
  for (size_t i = 0; i < train.size(); ++i) {
    if (HeldHere(train[i]) && train[i].raw().rows() != n) {
      return absl::InvalidArgumentError(absl::StrCat("training matrix ", i, " has ",
                                                     train[i].raw().rows(), " rows, not n = ", n));
    }
  }
  if (n <= gram_max_rows) {
    absl::StatusOr<MatrixXd> gram = OrderedTotal(n, n, reducer, [&](MatrixXd* sum) {
      for (const TrainingMatrix& tm : train) {
        if (control.cancelled()) return false;
        if (!HeldHere(tm)) continue;
        sum->selfadjointView<Eigen::Lower>().rankUpdate(tm.raw(), tm.loss_weight());
      }
      return true;
    });
    if (!gram.ok()) return gram.status();
    gram->triangularView<Eigen::StrictlyUpper>() = gram->transpose();
    return TopEigenvectorRows(*gram, m);
  }
  const int64_t width = std::min(n, m + kOversampling);
  MatrixXd basis(n, width);
  for (int64_t j = 0; j < width; ++j) {
    for (int64_t i = 0; i < n; ++i) {
      basis(i, j) = PhiloxStandardNormal(seed, kGaussianStream, static_cast<uint64_t>(j * n + i));
    }
  }
  for (int it = 0; it <= kRangeFinderIterations; ++it) {
    absl::StatusOr<MatrixXd> image = ApplyGram(train, basis, control, reducer);
    if (!image.ok()) return image.status();
    basis = OrthonormalColumns(*std::move(image));
  }
  absl::StatusOr<MatrixXd> g_basis = ApplyGram(train, basis, control, reducer);
  if (!g_basis.ok()) return g_basis.status();
  const MatrixXd projected = basis.transpose() * *g_basis;  // Rayleigh–Ritz, width×width
  return TopEigenvectorRows(0.5 * (projected + projected.transpose()), m) * basis.transpose();
}

}  // namespace sketchd
