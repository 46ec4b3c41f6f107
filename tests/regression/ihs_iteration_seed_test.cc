// IHS draws iteration t's sketch from a counter-keyed seed: two requests with
// neighbouring seeds never share a sketch (with seed + t they shared all but one).
#include <gtest/gtest.h>

#include <set>

#include "core/regression/ihs.h"

namespace sketchd {
namespace {

TEST(IhsIterationSeedTest, NeighbouringSeedsShareNoIterationSketch) {
  std::set<uint64_t> first, second;
  for (int t = 0; t < 200; ++t) {
    first.insert(IhsIterationSeed(41, t));
    second.insert(IhsIterationSeed(42, t));
  }
  EXPECT_EQ(first.size(), 200u);  // no repeat within a request either
  for (uint64_t s : second) EXPECT_EQ(first.count(s), 0u) << s;
  EXPECT_EQ(IhsIterationSeed(41, 3), IhsIterationSeed(41, 3));  // a function of (seed, t)
}

}  // namespace
}  // namespace sketchd
