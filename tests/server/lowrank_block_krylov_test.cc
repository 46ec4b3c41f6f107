// LowRank over gRPC with block_krylov: the server's answer is core's with the
// same sketch and options, beats plain power iterations at equal passes on a
// slowly decaying spectrum, is refused with one_pass, and its wider basis is
// counted by the memory admission.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kN = 200, kD = 60, kK = 5, kM = 10;

// Gaussian columns scaled by j^-1/2: a slowly decaying spectrum, where one
// plain power iteration is still far from the optimum and keeping V₀ helps.
RowMatrixXd SlowDecayMatrix(uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  RowMatrixXd a(kN, kD);
  for (int64_t i = 0; i < kN; ++i) {
    for (int64_t j = 0; j < kD; ++j) a(i, j) = normal(gen) / std::sqrt(static_cast<double>(j + 1));
  }
  return a;
}

// Core's error for the random CountSketch (kM rows, seed 3) both tests send,
// with q = 1 block Krylov iterations: what the server must reproduce.
double CoreKrylovError(const RowMatrixXd& a) {
  LowRankOptions options;
  options.power_iters = 1;
  options.block_krylov = true;
  auto core = ScwLowRank(*CountSketch::Random(kM, kN, 3), a, kK, options);
  EXPECT_TRUE(core.ok()) << core.status();
  return core.ok() ? core->error : std::nan("");
}

class LowRankBlockKrylovTest : public ServerFixture {};

TEST_F(LowRankBlockKrylovTest, ErrorEqualsCoreAndBeatsPlainPowerIterations) {
  ASSERT_TRUE(CreateDataset("x", kN).ok());
  const RowMatrixXd a = SlowDecayMatrix(7);
  LowRankResult krylov = LowRankOn(stub_.get(), "x", Random(kM, 3), a, kK, v1::DTYPE_FLOAT64, 16,
                                   /*power_iters=*/1, /*one_pass=*/nullptr, /*block_krylov=*/true);
  ASSERT_TRUE(krylov.status.ok()) << krylov.status.error_message();
  LowRankResult plain = LowRankCall("x", Random(kM, 3), a, kK, v1::DTYPE_FLOAT64, 16, 1);
  ASSERT_TRUE(plain.status.ok()) << plain.status.error_message();

  const double core_error = CoreKrylovError(a);
  EXPECT_NEAR(krylov.summary.error(), core_error, 1e-10 * core_error);
  const double explicit_error = (MatrixXd(a) - krylov.y * krylov.z.transpose()).norm();
  EXPECT_NEAR(krylov.summary.error(), explicit_error, 1e-10 * explicit_error);
  EXPECT_TRUE(krylov.summary.block_krylov());
  EXPECT_FALSE(plain.summary.block_krylov());
  EXPECT_EQ(krylov.summary.power_iters(), 1);
  EXPECT_EQ(krylov.summary.passes(), plain.summary.passes());  // same reads of A
  EXPECT_LT(krylov.summary.error(), plain.summary.error());
}

TEST_F(LowRankBlockKrylovTest, OnePassWithBlockKrylovIsInvalidArgument) {
  ASSERT_TRUE(CreateDataset("x", kN).ok());
  v1::OnePassOptions one_pass;
  one_pass.set_seed(1);
  LowRankResult r = LowRankOn(stub_.get(), "x", Random(kM, 3), SlowDecayMatrix(1), kK,
                              v1::DTYPE_FLOAT64, 16, 0, &one_pass, /*block_krylov=*/true);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(),
              AllOf(HasSubstr("one_pass reads A once"), HasSubstr("drop block_krylov or one_pass")));
}

// The wider basis (here 4 blocks of 16 = all 64 columns) doubles AV: a
// request that fits with plain iterations is refused with it, by the
// estimate, before any row is buffered.
TEST_F(LowRankBlockKrylovTest, KrylovBasisOverTheRequestLimitIsResourceExhausted) {
  server_->Shutdown(1);
  ServerOptions o = DefaultOptions();
  o.max_request_bytes = 5 << 19;  // 2.5 MiB: plain ≈ 1.7 MiB, Krylov ≈ 3.2 MiB
  StartServer(o);
  constexpr int64_t n = 2048, d = 64;
  ASSERT_TRUE(CreateDataset("big", n).ok());
  const RowMatrixXd a = TestMatrix(n, d, 3, 1);
  LowRankResult plain = LowRankCall("big", Random(16, 1), a, 3, v1::DTYPE_FLOAT64, 256, 3);
  EXPECT_TRUE(plain.status.ok()) << plain.status.error_message();
  LowRankResult krylov = LowRankOn(stub_.get(), "big", Random(16, 1), a, 3, v1::DTYPE_FLOAT64,
                                   256, 3, nullptr, /*block_krylov=*/true);
  EXPECT_EQ(krylov.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(krylov.status.error_message(),
              AllOf(HasSubstr("LowRank would need about"), HasSubstr("--max_request_bytes")));
}

// sketch auto hands block_krylov to every candidate and says so per trial.
TEST_F(LowRankBlockKrylovTest, AutoPassesBlockKrylovToEveryCandidate) {
  ASSERT_TRUE(CreateDataset("x", kN).ok());
  const RowMatrixXd a = SlowDecayMatrix(9);
  v1::SketchSelector automatic;
  automatic.mutable_automatic()->set_max_passes(4);
  automatic.mutable_automatic()->set_random_m(kM);
  automatic.mutable_automatic()->set_seed(3);
  LowRankResult r = LowRankOn(stub_.get(), "x", automatic, a, kK, v1::DTYPE_FLOAT64, 16, 0,
                              nullptr, /*block_krylov=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_TRUE(r.summary.block_krylov());
  ASSERT_EQ(r.summary.auto_choice().trials_size(), 1);
  const v1::AutoTrial& t = r.summary.auto_choice().trials(0);
  EXPECT_TRUE(t.block_krylov());
  EXPECT_EQ(t.power_iters(), 1);
  const double core_error = CoreKrylovError(a);
  EXPECT_NEAR(r.summary.error(), core_error, 1e-10 * core_error);
}

}  // namespace
}  // namespace sketchd::testing
