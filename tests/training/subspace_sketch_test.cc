#include "core/training/subspace_sketch.h"

#include <gtest/gtest.h>

#include <numeric>

#include "core/lowrank/exact_svd.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::SharedStructureFamily;

std::vector<TrainingMatrix> Prepare(const std::vector<RowMatrixXd>& family) {
  std::vector<int64_t> idx(family.size());
  std::iota(idx.begin(), idx.end(), 0);
  TrainingControl control(nullptr, nullptr, 0);
  return *PrepareTrainingMatrices(family, idx, false, 1, 2, control);
}

// Projector onto the top-m left singular subspace of the stacked normalised
// family, by an independent dense SVD.
MatrixXd ReferenceProjector(const std::vector<TrainingMatrix>& train, int64_t m) {
  const Index n = train[0].raw().rows();
  Index cols = 0;
  for (const auto& tm : train) cols += tm.raw().cols();
  MatrixXd stacked(n, cols);
  Index c = 0;
  for (const auto& tm : train) {
    stacked.middleCols(c, tm.raw().cols()) = tm.inv_scale * tm.raw();
    c += tm.raw().cols();
  }
  Eigen::JacobiSVD<MatrixXd> svd(stacked, Eigen::ComputeThinU);
  const MatrixXd u = svd.matrixU().leftCols(m);
  return u * u.transpose();
}

TEST(SubspaceSketchTest, GramAndRangeFinderBothGiveTheTopLeftSingularSubspace) {
  // Rank-6 shared column space plus small noise: a clear gap after σ_6.
  const auto family = SharedStructureFamily(8, 60, 25, 6, 0.01, 3);
  const auto train = Prepare(family);
  TrainingControl control(nullptr, nullptr, 0);
  const MatrixXd reference = ReferenceProjector(train, 6);
  for (int64_t gram_max_rows : {int64_t{4096}, int64_t{10}}) {
    auto s = TrainSubspaceSketch(train, 6, 1, control, gram_max_rows);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_EQ(s->rows(), 6);
    ASSERT_EQ(s->cols(), 60);
    EXPECT_LE((*s * s->transpose() - MatrixXd::Identity(6, 6)).norm(), 1e-12);
    EXPECT_LE((s->transpose() * *s - reference).norm(), 1e-8) << "gram_max_rows=" << gram_max_rows;
  }
}

TEST(SubspaceSketchTest, BeatsARandomCountSketchOnAHeldOutMemberOfTheFamily) {
  const auto family = SharedStructureFamily(13, 80, 30, 5, 0.05, 7);
  const std::vector<RowMatrixXd> train_family(family.begin(), family.end() - 1);
  const RowMatrixXd& held_out = family.back();
  TrainingControl control(nullptr, nullptr, 0);
  auto s = TrainSubspaceSketch(Prepare(train_family), 10, 2, control);
  ASSERT_TRUE(s.ok()) << s.status();
  const int64_t k = 5;
  const double optimal = OptimalLowRankError(*SingularValues(MatrixXd(held_out)), k);
  auto dense = ScwFromSketched(*s * held_out, held_out, k);
  ASSERT_TRUE(dense.ok());
  double random_excess = 0;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    auto f = ScwLowRank(*CountSketch::Random(10, 80, seed), held_out, k);
    ASSERT_TRUE(f.ok());
    random_excess += (f->error - optimal) / 5;
  }
  const double dense_excess = dense->error - optimal;
  EXPECT_GE(dense_excess, -1e-12);
  EXPECT_LT(dense_excess, 0.25 * random_excess);
}

TEST(SubspaceSketchTest, BadSizesAndCancellationAreReported) {
  const auto family = SharedStructureFamily(3, 20, 10, 2, 0.1, 1);
  const auto train = Prepare(family);
  TrainingControl control(nullptr, nullptr, 0);
  EXPECT_EQ(TrainSubspaceSketch(train, 21, 0, control).status().message(),
            "subspace: sketch rows m must be in [1, n] = [1, 20], got 21 (S holds m orthonormal "
            "rows of length n)");
  EXPECT_EQ(TrainSubspaceSketch({}, 2, 0, control).status().code(),
            absl::StatusCode::kInvalidArgument);
  CancelToken token;
  token.Cancel();
  TrainingControl cancelled(nullptr, &token, 0);
  EXPECT_EQ(TrainSubspaceSketch(train, 4, 0, cancelled).status().code(),
            absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace sketchd
