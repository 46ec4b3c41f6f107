#include "core/training/trained_sketch.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace sketchd {
namespace {

TrainedSketch Sample() {
  TrainedSketch t;
  t.sketch = *CountSketch::Stack(*CountSketch::Random(3, 40, 1), *CountSketch::Random(2, 40, 2));
  t.sketch.mutable_values()[5] = 0.123456789012345678;
  t.options.method = TrainMethod::kMixed;
  t.options.task = SketchTask::kLowRank;
  t.options.k = 2;
  t.options.m = 5;
  t.options.seed = 0xFFFFFFFFFFFFFFFFull;
  t.options.learning_rate = 1.0 / 3.0;
  t.options.mixed_joint = false;
  t.n = 40;
  t.d = 17;
  t.train_seconds = 1.25;
  t.validation = {"mean_excess_error", 4, 0.0123, 0.05, 3};
  t.heavy_rows = {3, 17, 39};
  t.notes = "stopped by time budget\nafter 3 steps";
  return t;
}

TEST(TrainedSketchTest, RoundTripsEveryField) {
  const TrainedSketch t = Sample();
  auto parsed = ParseTrainedSketch(SerializeTrainedSketch(t));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->sketch, t.sketch);
  EXPECT_EQ(parsed->options.method, TrainMethod::kMixed);
  EXPECT_EQ(parsed->options.seed, t.options.seed);
  EXPECT_EQ(parsed->options.learning_rate, t.options.learning_rate);
  EXPECT_FALSE(parsed->options.mixed_joint);
  EXPECT_EQ(parsed->d, 17);
  EXPECT_EQ(parsed->validation.learned, 0.0123);
  EXPECT_EQ(parsed->validation.random_seeds, 3);
  EXPECT_EQ(parsed->heavy_rows, t.heavy_rows);
  EXPECT_EQ(parsed->notes, "stopped by time budget after 3 steps");
}

TEST(TrainedSketchTest, ARandomSketchIsStoredAsItsSeed) {
  TrainedSketch t;
  t.options.method = TrainMethod::kRandom;
  t.options.m = 20;
  t.n = 1'000'000;
  t.sketch = *CountSketch::Random(20, t.n, 7);
  const std::string bytes = SerializeTrainedSketch(t);
  // Metadata text and 46 bytes of sketch, not 12 MB of entries.
  EXPECT_LT(bytes.size(), 2000u);
  auto parsed = ParseTrainedSketch(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->sketch, t.sketch);
  EXPECT_EQ(parsed->sketch.random_block(0), t.sketch.random_block(0));
}

TEST(TrainedSketchTest, MixedKeepsTheRandomHalfAsASeed) {
  TrainedSketch t = Sample();
  t.sketch = *CountSketch::Stack(*CountSketch::Random(3, 40, 1), *CountSketch::Random(2, 40, 2));
  t.sketch.mutable_block_values(0)[5] = 0.123456789012345678;  // S1 learned, S2 frozen
  auto parsed = ParseTrainedSketch(SerializeTrainedSketch(t));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->sketch, t.sketch);
  EXPECT_FALSE(parsed->sketch.random_block(0).has_value());
  ASSERT_TRUE(parsed->sketch.random_block(1).has_value());
  EXPECT_EQ(parsed->sketch.random_block(1)->seed, 2u);
}

TEST(TrainedSketchTest, FilesWithVersionOneSketchBytesStillParse) {
  // Written by `sketchctl local train` before sketches were stored by seed.
  for (const char* name : {"random", "mixed", "heavy"}) {
    std::ifstream in(std::string(SKETCHD_SOURCE_DIR) + "/fuzz/corpus/trained_sketch_decoder_fuzzer/" +
                         name + ".sketch",
                     std::ios::binary);
    const std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(old.empty()) << name;
    auto parsed = ParseTrainedSketch(old);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    auto again = ParseTrainedSketch(SerializeTrainedSketch(*parsed));
    ASSERT_TRUE(again.ok()) << name << ": " << again.status();
    EXPECT_EQ(again->sketch, parsed->sketch) << name;
    EXPECT_EQ(again->heavy_rows, parsed->heavy_rows) << name;
  }
}

TEST(TrainedSketchTest, RejectsEverySingleByteCorruptionAndTruncation) {
  const std::string bytes = SerializeTrainedSketch(Sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x20);
    EXPECT_FALSE(ParseTrainedSketch(corrupt).ok()) << "byte " << i;
  }
  for (size_t len = 0; len < bytes.size(); len += 7) {
    EXPECT_FALSE(ParseTrainedSketch(bytes.substr(0, len)).ok()) << "length " << len;
  }
}

TEST(TrainedSketchTest, NamesParseBothWays) {
  for (auto m : {TrainMethod::kRandom, TrainMethod::kIvy, TrainMethod::kMixed,
                 TrainMethod::kInnerProduct, TrainMethod::kGreedy, TrainMethod::kHeavyRows}) {
    EXPECT_EQ(*ParseTrainMethod(TrainMethodName(m)), m);
  }
  EXPECT_EQ(ParseTrainMethod("sgd").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseSketchTask("regression"), SketchTask::kRegression);
  EXPECT_FALSE(ParseSketchTask("LowRank").ok());
}

}  // namespace
}  // namespace sketchd
