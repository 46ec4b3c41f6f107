// A random CountSketch block remembers how it was drawn (distribution and
// Philox state), keeps that through Block and Stack, loses it as soon as its
// values are handed out for writing, and never shares a draw with another
// block of the same sketch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <limits>

#include "core/sketch/count_sketch.h"
#include "core/sketch/random_block.h"

namespace sketchd {
namespace {

constexpr auto kUniform = CountSketchDistribution::kUniformRowsRademacher;

TEST(RandomBlockTest, RandomRemembersDistributionAndSeed) {
  const CountSketch s = *CountSketch::Random(7, 300, 42);
  ASSERT_EQ(s.num_blocks(), 1);
  ASSERT_TRUE(s.random_block(0).has_value());
  EXPECT_EQ(*s.random_block(0), (RandomBlockDescriptor{kUniform, 42, 0}));
  EXPECT_EQ(CountSketchDistributionName(kUniform), "uniform_rows_rademacher");
  // The description alone reproduces the operator.
  EXPECT_EQ(*CountSketch::Random(7, 300, *s.random_block(0)), s);
}

TEST(RandomBlockTest, ABlockAtCounterCIsColumnsCOnwardOfTheSeedsStream) {
  // Column j uses counter c + j, so a block drawn at counter c is the tail of
  // the block drawn at 0 with c more columns: the state advances by n.
  const CountSketch whole = *CountSketch::Random(5, 250, 9);
  const CountSketch tail = *CountSketch::Random(5, 50, RandomBlockDescriptor{kUniform, 9, 200});
  for (int64_t j = 0; j < 50; ++j) {
    EXPECT_EQ(tail.positions()[j], whole.positions()[200 + j]) << j;
    EXPECT_EQ(tail.values()[j], whole.values()[200 + j]) << j;
  }
  EXPECT_EQ(whole.random_block(0)->NextCounter(250), 250u);
}

TEST(RandomBlockTest, CounterRangePastTheEndIsRefused) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  auto last = CountSketch::Random(2, 5, RandomBlockDescriptor{kUniform, 1, max - 5});
  EXPECT_TRUE(last.ok()) << last.status();
  auto past = CountSketch::Random(2, 5, RandomBlockDescriptor{kUniform, 1, max - 4});
  EXPECT_EQ(past.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(past.status().message().find("runs past the end of the 64-bit counter space"),
            absl::string_view::npos)
      << past.status();
  auto unknown = CountSketch::Random(
      2, 5, RandomBlockDescriptor{static_cast<CountSketchDistribution>(7), 1, 0});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown CountSketch distribution id 7"),
            absl::string_view::npos)
      << unknown.status();
}

TEST(RandomBlockTest, StackKeepsPerBlockDescriptionsAndBlockGivesThemBack) {
  const CountSketch learned = *CountSketch::FromParts(3, {0, 2, 1, 1}, {0.5, -2, 1, 3});
  const CountSketch random = *CountSketch::Random(2, 4, 17);
  const CountSketch mixed = *CountSketch::Stack(learned, random);
  EXPECT_FALSE(mixed.random_block(0).has_value());
  ASSERT_TRUE(mixed.random_block(1).has_value());
  EXPECT_EQ(mixed.random_block(1)->seed, 17u);
  EXPECT_EQ(mixed.Block(1), random);
  EXPECT_EQ(mixed.Block(1).random_block(0), random.random_block(0));
  EXPECT_FALSE(mixed.Block(0).random_block(0).has_value());
  // StackAll of three is Stack of Stack, descriptions included.
  const CountSketch other = *CountSketch::Random(1, 4, 18);
  const CountSketch parts[] = {learned, random, other};
  const CountSketch three = *CountSketch::StackAll(parts);
  EXPECT_EQ(three, *CountSketch::Stack(mixed, other));
  EXPECT_EQ(three.random_block(2), other.random_block(0));
  EXPECT_EQ(CountSketch::StackAll({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RandomBlockTest, TwoBlocksFromTheSameDrawsAreRefused) {
  const CountSketch a = *CountSketch::Random(3, 40, 5);
  // Same seed and counters: the same signs in both blocks.
  auto same = CountSketch::Stack(a, *CountSketch::Random(2, 40, 5));
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(same.status().message().find("random blocks 0 and 1 are drawn from the same Philox"),
            absl::string_view::npos)
      << same.status();
  // Overlapping by one counter is still a shared draw.
  auto overlap = CountSketch::Stack(a, *CountSketch::Random(2, 40, RandomBlockDescriptor{kUniform, 5, 39}));
  EXPECT_FALSE(overlap.ok());
  // Advanced past the first block's draws: accepted, and the signs differ.
  const CountSketch b =
      *CountSketch::Random(3, 40, RandomBlockDescriptor{kUniform, 5, a.random_block(0)->NextCounter(40)});
  auto advanced = CountSketch::Stack(a, b);
  ASSERT_TRUE(advanced.ok()) << advanced.status();
  EXPECT_NE(a.values(), b.values());
  EXPECT_TRUE(CountSketch::Stack(a, *CountSketch::Random(3, 40, 6)).ok());
}

TEST(RandomBlockTest, WritingValuesDropsTheDescription) {
  const CountSketch s0 =
      *CountSketch::Stack(*CountSketch::Random(3, 20, 1), *CountSketch::Random(2, 20, 2));
  CountSketch all = s0;
  all.mutable_values()[0] *= 2;
  EXPECT_FALSE(all.random_block(0).has_value());
  EXPECT_FALSE(all.random_block(1).has_value());

  // Per block: only that block's values change and only its description goes.
  CountSketch one = s0;
  std::span<double> top = one.mutable_block_values(0);
  ASSERT_EQ(top.size(), 20u);
  for (double& v : top) v = 0.25;
  EXPECT_FALSE(one.random_block(0).has_value());
  EXPECT_EQ(one.random_block(1), s0.random_block(1));
  EXPECT_EQ(one.Block(1), s0.Block(1));
  for (int64_t j = 0; j < 20; ++j) EXPECT_EQ(one.values()[j], 0.25);
}

TEST(RandomBlockTest, BuiltFromPartsHasNoDescriptionButIsTheSameOperator) {
  const CountSketch random = *CountSketch::Random(4, 30, 3);
  const CountSketch rebuilt = *CountSketch::FromParts(4, random.positions(), random.values());
  EXPECT_FALSE(rebuilt.random_block(0).has_value());
  // Equality is of operators: how a sketch was made is compared separately.
  EXPECT_EQ(rebuilt, random);
  EXPECT_NE(rebuilt.random_block(0), random.random_block(0));
}

TEST(RandomBlockTest, FromBlockSourcesExpandsRandomBlocksBetweenExplicitOnes) {
  const CountSketch random = *CountSketch::Random(2, 4, 8);
  const std::vector<CountSketch::BlockSource> blocks = {
      {3, std::nullopt}, {2, random.random_block(0)}, {1, std::nullopt}};
  const std::vector<int32_t> positions = {0, 2, 1, 1, /*last block*/ 0, 0, 0, 0};
  const std::vector<double> values = {1, 2, 3, 4, 5, 6, 7, 8};
  auto built = CountSketch::FromBlockSources(blocks, 4, positions, values);
  ASSERT_TRUE(built.ok()) << built.status();
  const CountSketch parts[] = {*CountSketch::FromParts(3, {0, 2, 1, 1}, {1, 2, 3, 4}), random,
                               *CountSketch::FromParts(1, {0, 0, 0, 0}, {5, 6, 7, 8})};
  EXPECT_EQ(*built, *CountSketch::StackAll(parts));
  EXPECT_EQ(built->random_block(1), random.random_block(0));
  EXPECT_FALSE(built->random_block(2).has_value());
}

TEST(RandomBlockTest, FromBlockSourcesRejectsBadInput) {
  const RandomBlockDescriptor seeded{kUniform, 8, 0};
  auto code_and = [](const absl::StatusOr<CountSketch>& s, const std::string& part) {
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
    EXPECT_NE(s.status().message().find(part), absl::string_view::npos) << s.status();
  };
  const std::vector<int32_t> p4 = {0, 1, 0, 1};
  const std::vector<double> v4 = {1, 1, 1, 1};
  code_and(CountSketch::FromBlockSources({}, 4, {}, {}), "at least one block");
  code_and(CountSketch::FromBlockSources({{0, seeded}}, 4, {}, {}), "at least one row");
  code_and(CountSketch::FromBlockSources({{2, std::nullopt}}, 4, {}, {}),
           "1 explicit block(s) of n=4 need 4 positions and values, got 0 and 0");
  code_and(CountSketch::FromBlockSources({{2, seeded}}, 4, p4, v4),
           "0 explicit block(s) of n=4 need 0 positions");
  code_and(CountSketch::FromBlockSources({{2, seeded}, {2, seeded}}, 4, {}, {}),
           "drawn from the same Philox counters");
  const std::vector<int32_t> outside = {0, 1, 2, 1};
  code_and(CountSketch::FromBlockSources({{2, std::nullopt}}, 4, outside, v4),
           "sketch position 2 of column 2 in block 0 is outside rows [0, 2) of its block");
  const std::vector<double> nan = {1, std::nan(""), 1, 1};
  code_and(CountSketch::FromBlockSources({{2, std::nullopt}}, 4, p4, nan), "not finite");
  code_and(CountSketch::FromBlockSources({{2, seeded}}, 0, {}, {}), "sketch cols n");
}

}  // namespace
}  // namespace sketchd
