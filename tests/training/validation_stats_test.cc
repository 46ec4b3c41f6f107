// Validation figures state their count and mean ± sd, and make no claim from
// fewer than kMinValidationMatrices held-out matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <xxhash.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/sketch/byte_codec.h"
#include "core/training/train_low_rank.h"
#include "core/training/trained_sketch.h"
#include "core/training/training_random.h"
#include "core/training/training_set.h"
#include "core/training/validation.h"
#include "tests/training/training_test_util.h"

namespace sketchd {
namespace {

using training_testing::SharedStructureFamily;

// The sample sd written out, for comparison with MeanAndSd.
double HandSd(const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= v.size();
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / (v.size() - 1));
}

TEST(ValidationStatsTest, MeanAndSampleSdByHand) {
  // 1, 2, 3, 4: mean 2.5, Σ(x − 2.5)² = 5, sd = √(5/3).
  const MeanSd s = MeanAndSd({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.sd, std::sqrt(5.0 / 3.0));
  EXPECT_EQ(MeanAndSd({7}).sd, 0);
  EXPECT_EQ(MeanAndSd({}).mean, 0);

  const ValidationFigures f =
      FiguresFromPerMatrix("mean_excess_error", {1, 2, 3, 4, 5}, {2, 4, 6, 8, 10}, 3);
  EXPECT_EQ(f.num_matrices, 5);
  EXPECT_DOUBLE_EQ(f.learned, 3);
  EXPECT_DOUBLE_EQ(f.random, 6);
  EXPECT_DOUBLE_EQ(f.learned_sd, std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(f.random_sd, std::sqrt(10.0));
  EXPECT_TRUE(f.comparable());
  EXPECT_EQ(f.verdict(), "learned is better");
}

TEST(ValidationStatsTest, FewerThanFiveMatricesMakeNoClaim) {
  for (int n : {1, 2, 3, 4}) {
    std::vector<double> learned(n, 0.1), random(n, 0.9);  // learned looks far better...
    const ValidationFigures f = FiguresFromPerMatrix("mean_excess_error", learned, random, 3);
    EXPECT_FALSE(f.comparable());
    // ...but rests on too few matrices to say so.
    EXPECT_EQ(f.verdict(), absl::StrCat("not enough held-out matrices to compare (", n, " < 5)"));
    EXPECT_EQ(f.verdict().find("better"), std::string::npos);
  }
  EXPECT_EQ(ValidationFigures().verdict(), "no validation figures");
}

TEST(ValidationStatsTest, TrainedFiguresMatchPerMatrixHandComputation) {
  const auto family = SharedStructureFamily(12, 30, 20, 4, 0.05, 5);
  TrainOptions o;
  o.method = TrainMethod::kInnerProduct;
  o.k = 4;
  o.m = 8;
  o.seed = 11;
  o.threads = 1;
  o.validation_fraction = 0.5;  // 6 held out
  auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const ValidationFigures& v = trained->validation;
  EXPECT_EQ(v.num_matrices, 6);
  EXPECT_GT(v.learned_sd, 0);
  EXPECT_GT(v.random_sd, 0);
  EXPECT_EQ(trained->notes.find("not enough"), std::string::npos);

  // Recompute by hand on all 12 matrices with the library's per-matrix
  // errors: LowRankValidationFigures's sds are the sample sds of those.
  std::vector<int64_t> all(family.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  TrainingControl control(nullptr, nullptr, 0);
  auto prepared = PrepareTrainingMatrices(family, all, true, o.k, 1, control);
  ASSERT_TRUE(prepared.ok());
  auto figures = LowRankValidationFigures(trained->sketch, *prepared, o.k, 5, 2, 1, control);
  ASSERT_TRUE(figures.ok());
  auto learned = ExcessErrors(trained->sketch, *prepared, o.k, 1, control);
  ASSERT_TRUE(learned.ok());
  std::vector<double> random(family.size(), 0.0);
  for (int s = 0; s < 2; ++s) {
    auto r = ExcessErrors(*CountSketch::Random(8, 30, DerivedSeed(5, 100 + s)), *prepared, o.k, 1,
                          control);
    ASSERT_TRUE(r.ok());
    for (size_t i = 0; i < random.size(); ++i) random[i] += (*r)[i] / 2;
  }
  EXPECT_EQ(figures->num_matrices, 12);
  double learned_mean = 0, random_mean = 0;
  for (size_t i = 0; i < random.size(); ++i) {
    learned_mean += (*learned)[i] / 12;
    random_mean += random[i] / 12;
  }
  EXPECT_NEAR(figures->learned, learned_mean, 1e-14);
  EXPECT_NEAR(figures->random, random_mean, 1e-14);
  EXPECT_NEAR(figures->learned_sd, HandSd(*learned), 1e-14);
  EXPECT_NEAR(figures->random_sd, HandSd(random), 1e-14);
  EXPECT_EQ(figures->random_seeds, 2);
}

TEST(ValidationStatsTest, FewHeldOutMatricesSayNotEnoughInTheNotes) {
  const auto family = SharedStructureFamily(8, 30, 20, 4, 0.05, 6);
  TrainOptions o;
  o.method = TrainMethod::kInnerProduct;
  o.k = 4;
  o.m = 8;
  o.threads = 1;
  o.validation_fraction = 0.25;  // 2 held out
  auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(trained->validation.num_matrices, 2);
  EXPECT_NE(trained->notes.find("not enough held-out matrices to compare (2 < 5)"),
            std::string::npos)
      << trained->notes;
}

// Rewrites version-3/4 bytes as the older version 1/2 (no sd keys), as files
// written before this change look.
std::string AsOldVersion(const std::string& bytes) {
  const uint8_t version = static_cast<uint8_t>(bytes[4]);
  uint32_t metadata_size = 0;
  std::memcpy(&metadata_size, bytes.data() + 5, 4);
  std::string metadata = bytes.substr(9, metadata_size);
  std::string kept;
  for (absl::string_view line : absl::StrSplit(metadata, '\n')) {
    if (absl::StartsWith(line, "validation.learned_sd=") ||
        absl::StartsWith(line, "validation.random_sd=")) {
      continue;
    }
    absl::StrAppend(&kept, kept.empty() ? "" : "\n", line);
  }
  std::string out = "SKTR";
  AppendLittleEndian<uint8_t>(out, version - 2);
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(kept.size()));
  out += kept;
  out += bytes.substr(9 + metadata_size, bytes.size() - 8 - 9 - metadata_size);
  AppendLittleEndian<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  return out;
}

TEST(ValidationStatsTest, SdsRoundTripAndOldVersionsStillRead) {
  const auto family = SharedStructureFamily(12, 30, 20, 4, 0.05, 7);
  for (TrainMethod method : {TrainMethod::kInnerProduct, TrainMethod::kSubspace}) {
    TrainOptions o;
    o.method = method;
    o.k = 4;
    o.m = 8;
    o.threads = 1;
    o.validation_fraction = 0.5;
    auto trained = TrainLowRankSketch(family, o, nullptr, nullptr);
    ASSERT_TRUE(trained.ok());
    const std::string bytes = SerializeTrainedSketch(*trained);
    auto parsed = ParseTrainedSketch(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->validation.learned_sd, trained->validation.learned_sd);
    EXPECT_EQ(parsed->validation.random_sd, trained->validation.random_sd);

    const std::string old = AsOldVersion(bytes);
    EXPECT_EQ(old[4], method == TrainMethod::kSubspace ? 2 : 1);
    auto old_parsed = ParseTrainedSketch(old);
    ASSERT_TRUE(old_parsed.ok()) << old_parsed.status();
    EXPECT_EQ(old_parsed->validation.learned, trained->validation.learned);
    EXPECT_EQ(old_parsed->validation.learned_sd, -1);  // unknown
    EXPECT_EQ(old_parsed->validation.random_sd, -1);
    EXPECT_EQ(old_parsed->m(), trained->m());
  }
}

}  // namespace
}  // namespace sketchd
