// `subspace` as a training method: dispatch, validation figures, and the
// version-2 trained-sketch format (dense payload) next to version 1.
#include <gtest/gtest.h>

#include <string>

#include "core/lowrank/scw_low_rank.h"
#include "core/training/train_low_rank.h"
#include "core/training/trained_sketch.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::SharedStructureFamily;

TrainOptions SubspaceOptions() {
  TrainOptions o;
  o.method = TrainMethod::kSubspace;
  o.k = 4;
  o.m = 8;
  o.seed = 3;
  o.threads = 1;
  o.validation_fraction = 0.3;
  return o;
}

TEST(SubspaceTrainingTest, TrainsADenseSketchThatBeatsRandomOnHeldOutMatrices) {
  const auto family = SharedStructureFamily(20, 50, 30, 5, 0.05, 11);
  auto trained = TrainLowRankSketch(family, SubspaceOptions(), nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  ASSERT_TRUE(trained->is_dense());
  EXPECT_EQ(trained->m(), 8);
  EXPECT_EQ(trained->sketch_n(), 50);
  EXPECT_LE((trained->dense * trained->dense.transpose() - MatrixXd::Identity(8, 8)).norm(), 1e-12);
  EXPECT_EQ(trained->validation.num_matrices, 6);
  EXPECT_LT(trained->validation.learned, 0.5 * trained->validation.random);
  // Apply is S·A.
  EXPECT_LE((trained->Apply(family[0]) - trained->dense * family[0]).norm(),
            1e-12 * family[0].norm());
}

TEST(SubspaceTrainingTest, DenseSketchesRoundTripAsVersionFourAndCountSketchesAsVersionThree) {
  const auto family = SharedStructureFamily(6, 30, 20, 4, 0.05, 2);
  auto dense = TrainLowRankSketch(family, SubspaceOptions(), nullptr, nullptr);
  ASSERT_TRUE(dense.ok()) << dense.status();
  const std::string bytes = SerializeTrainedSketch(*dense);
  EXPECT_EQ(bytes[4], 4);  // dense payload, with the validation sds (version 2 + sds)
  auto parsed = ParseTrainedSketch(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->options.method, TrainMethod::kSubspace);
  EXPECT_EQ(parsed->dense, dense->dense);
  EXPECT_EQ(parsed->validation.learned, dense->validation.learned);

  TrainOptions random = SubspaceOptions();
  random.method = TrainMethod::kRandom;
  auto sparse = TrainLowRankSketch(family, random, nullptr, nullptr);
  ASSERT_TRUE(sparse.ok());
  const std::string sparse_bytes = SerializeTrainedSketch(*sparse);
  EXPECT_EQ(sparse_bytes[4], 3);  // CountSketch payload with the sds
  auto sparse_parsed = ParseTrainedSketch(sparse_bytes);
  ASSERT_TRUE(sparse_parsed.ok());
  EXPECT_FALSE(sparse_parsed->is_dense());
  EXPECT_EQ(sparse_parsed->sketch.positions(), sparse->sketch.positions());
}

TEST(SubspaceTrainingTest, MLargerThanNIsRefused) {
  const auto family = SharedStructureFamily(4, 6, 10, 2, 0.05, 2);
  TrainOptions o = SubspaceOptions();
  o.k = 2;
  o.m = 7;
  auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
  EXPECT_EQ(trained.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(trained.status().message().find("7"), absl::string_view::npos) << trained.status();
}

}  // namespace
}  // namespace sketchd
