// The held-out split: a partition of the matrices, sized by the fraction,
// a function of the seed only.
#include "core/training/training_split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace sketchd {
namespace {

TEST(TrainingSplitTest, HeldOutCountRoundsAndKeepsOneOnEachSide) {
  EXPECT_EQ(HeldOutCount(0, 0.2), 0);
  EXPECT_EQ(HeldOutCount(1, 0.5), 0);    // one matrix: nothing to hold out
  EXPECT_EQ(HeldOutCount(10, 0.0), 0);
  EXPECT_EQ(HeldOutCount(10, 0.2), 2);
  EXPECT_EQ(HeldOutCount(10, 0.01), 1);  // at least one when asked for any
  EXPECT_EQ(HeldOutCount(10, 0.99), 9);  // at least one left to train on
  EXPECT_EQ(HeldOutCount(7, 0.5), 4);    // llround(3.5)
}

TEST(TrainingSplitTest, RandomSplitIsASeededPartition) {
  for (int64_t total : {1, 2, 5, 40}) {
    const TrainingSplit a = RandomTrainingSplit(total, 0.25, 9);
    EXPECT_EQ(static_cast<int64_t>(a.held.size()), HeldOutCount(total, 0.25));
    std::vector<int64_t> all = a.train;
    all.insert(all.end(), a.held.begin(), a.held.end());
    std::sort(all.begin(), all.end());
    for (int64_t i = 0; i < total; ++i) ASSERT_EQ(all[i], i);
    EXPECT_TRUE(std::is_sorted(a.train.begin(), a.train.end()));
    EXPECT_TRUE(std::is_sorted(a.held.begin(), a.held.end()));
    const TrainingSplit again = RandomTrainingSplit(total, 0.25, 9);
    EXPECT_EQ(a.held, again.held);
  }
  // Another seed holds out other matrices (40 choose 10: a collision would be a bug).
  EXPECT_NE(RandomTrainingSplit(40, 0.25, 9).held, RandomTrainingSplit(40, 0.25, 10).held);
}

}  // namespace
}  // namespace sketchd
