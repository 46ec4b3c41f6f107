// The random parts of trained sketches reach the stored bytes as seeds: a
// `random` sketch, mixed's S2 and inner_product's guard block S2, whichever
// path made them, while the learned parts are stored entry by entry.
#include <gtest/gtest.h>

#include <vector>

#include "core/sketch/sketch_serialization.h"
#include "core/training/train_low_rank.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_random.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::SharedStructureFamily;

TrainOptions Options(TrainMethod method) {
  TrainOptions o;
  o.method = method;
  o.k = 3;
  o.m = 8;
  o.seed = 21;
  o.iterations = 5;
  o.threads = 1;
  o.validation_fraction = 0.25;
  return o;
}

// Serialised and read back as the store and `sketchctl local` do.
TrainedSketch StoredAndRead(const TrainedSketch& trained) {
  auto parsed = ParseTrainedSketch(SerializeTrainedSketch(trained));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->sketch, trained.sketch);
  return parsed.ok() ? *std::move(parsed) : TrainedSketch{};
}

TEST(SeededSketchTest, MethodRandomIsStoredAsItsSeed) {
  const auto family = SharedStructureFamily(8, 60, 20, 4, 0.05, 5);
  auto trained = TrainLowRankSketch(family, Options(TrainMethod::kRandom), nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const TrainedSketch stored = StoredAndRead(*trained);
  ASSERT_EQ(stored.sketch.num_blocks(), 1);
  ASSERT_TRUE(stored.sketch.random_block(0).has_value());
  EXPECT_EQ(stored.sketch.random_block(0)->seed, 21u);
  // 46 bytes for the sketch, not 12 per column.
  EXPECT_EQ(SerializeSketch(trained->sketch).size(), 46u);
}

TEST(SeededSketchTest, MixedStoresLearnedS1ExplicitlyAndRandomS2AsASeed) {
  const auto family = SharedStructureFamily(8, 60, 20, 4, 0.05, 6);
  for (bool joint : {true, false}) {
    TrainOptions o = Options(TrainMethod::kMixed);
    o.mixed_joint = joint;
    auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(trained.ok()) << trained.status();
    const TrainedSketch stored = StoredAndRead(*trained);
    ASSERT_EQ(stored.sketch.num_blocks(), 2) << joint;
    EXPECT_FALSE(stored.sketch.random_block(0).has_value()) << joint;
    ASSERT_TRUE(stored.sketch.random_block(1).has_value()) << joint;
    EXPECT_EQ(stored.sketch.random_block(1)->seed, DerivedSeed(21, 1)) << joint;
    // S1 (4 rows) costs its entries; S2 (4 rows) its 21-byte block entry.
    EXPECT_EQ(SerializeSketch(trained->sketch).size(), 17u + 5 + 21 + 60 * 12 + 8) << joint;
    // S2 is exactly the random sketch its seed defines.
    EXPECT_EQ(stored.sketch.Block(1), *CountSketch::Random(4, 60, DerivedSeed(21, 1)));
  }
}

TEST(SeededSketchTest, InnerProductGuardBlockIsStoredAsASeed) {
  const auto family = SharedStructureFamily(8, 60, 20, 4, 0.05, 7);
  TrainOptions o = Options(TrainMethod::kInnerProduct);
  o.append_sampled_rows = true;
  auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const TrainedSketch stored = StoredAndRead(*trained);
  ASSERT_EQ(stored.sketch.num_blocks(), 2);
  EXPECT_FALSE(stored.sketch.random_block(0).has_value());
  EXPECT_TRUE(stored.sketch.random_block(1).has_value());
}

TEST(SeededSketchTest, LearnedValuesAreNeverStoredAsTheStartingSeed) {
  // ivy starts from Random(m, n, seed) and changes every value: storing the
  // seed would silently give back the untrained sketch.
  const auto family = SharedStructureFamily(8, 60, 20, 4, 0.05, 8);
  auto trained = TrainLowRankSketch(family, Options(TrainMethod::kIvy), nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const TrainedSketch stored = StoredAndRead(*trained);
  EXPECT_FALSE(stored.sketch.random_block(0).has_value());
  EXPECT_NE(stored.sketch, *CountSketch::Random(8, 60, 21));
}

}  // namespace
}  // namespace sketchd
