// The option table: every TrainOptions field has a row, every row round-trips
// through the stored text, and the range checks give one message.
#include "core/training/train_option_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "core/training/train_options_text.h"
#include "core/training/training_limits.h"
#include "tests/testing/train_option_samples.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;
using testing::NonDefaultText;
using testing::OutOfRangeText;

// Counts the members of an aggregate: the most initialisers T{…} accepts.
struct AnyField {
  template <class T>
  operator T() const;  // never called: unevaluated contexts only
};
template <class T, class... Fields>
constexpr size_t CountFields() {
  if constexpr (requires { T{Fields{}..., AnyField{}}; }) {
    return CountFields<T, Fields..., AnyField>();
  } else {
    return sizeof...(Fields);
  }
}

TEST(TrainOptionTableTest, EveryFieldHasARow) {
  // A new TrainOptions field without a row fails here: add its row to
  // kRows in core/training/train_option_table.cc.
  EXPECT_EQ(CountFields<TrainOptions>(), TrainOptionTable().size());
  std::set<std::string> names, flags;
  for (const TrainOptionRow& row : TrainOptionTable()) {
    EXPECT_TRUE(names.insert(std::string(row.name)).second) << row.name;
    EXPECT_TRUE(flags.insert(std::string(row.flags)).second) << row.flags;
    EXPECT_EQ(FindTrainOption(row.name), &row);
    EXPECT_FALSE(row.help.empty()) << row.name;
    for (absl::string_view method : absl::StrSplit(row.methods, ',', absl::SkipEmpty())) {
      EXPECT_TRUE(ParseTrainMethod(method).ok()) << row.name << ": " << method;
    }
    // The defaults are allowed values.
    EXPECT_TRUE(row.Check(TrainOptions()).ok()) << row.name;
  }
  EXPECT_TRUE(CheckTrainOptions(TrainOptions()).ok());
}

// Every row through the stored text alone changes that row alone.
TEST(TrainOptionTableTest, EveryRowRoundTripsThroughTheStoredText) {
  for (const TrainOptionRow& row : TrainOptionTable()) {
    TrainOptions o;
    ASSERT_TRUE(row.Parse(NonDefaultText(row), &o).ok()) << row.name;
    ASSERT_TRUE(CheckTrainOptions(o).ok()) << row.name << " " << NonDefaultText(row);
    ASSERT_NE(row.format(o), row.format(TrainOptions())) << row.name;
    auto back = DecodeTrainOptions(EncodeTrainOptions(o));
    ASSERT_TRUE(back.ok()) << back.status();
    for (const TrainOptionRow& other : TrainOptionTable()) {
      EXPECT_EQ(other.format(*back), other.format(o)) << "setting " << row.name << ", "
                                                       << other.name << " changed";
    }
  }
}

TEST(TrainOptionTableTest, StoredTextKeepsItsFormat) {
  // Stored by earlier servers: the keys and value forms must stay readable.
  TrainOptions o;
  o.method = TrainMethod::kMixed;
  o.learning_rate = 1.0 / 3.0;
  o.mixed_joint = false;
  const std::string text = EncodeTrainOptions(o);
  EXPECT_THAT(text, HasSubstr("method=mixed\ntask=lowrank\nk=10\nm=20\nseed=0\n"));
  EXPECT_THAT(text, HasSubstr("learning_rate=0.33333333333333331\n"));
  EXPECT_THAT(text, HasSubstr("mixed_joint=0\n"));
  auto back = DecodeTrainOptions(text + "\nsome_future_key=7");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->learning_rate, 1.0 / 3.0);
  EXPECT_EQ(DecodeTrainOptions("k=ten").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeTrainOptions("method=magic").status().code(), absl::StatusCode::kInvalidArgument);
}

// One message per out-of-range row; CheckTrainingSizes (the job's admission)
// gives the same one.
TEST(TrainOptionTableTest, OutOfRangeValuesHaveOneMessage) {
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const std::string bad = OutOfRangeText(row);
    if (bad.empty()) continue;
    TrainOptions o;
    o.m = 8;
    o.k = 2;
    ASSERT_TRUE(row.Parse(bad, &o).ok()) << row.name << " " << bad;
    const absl::Status s = row.Check(o);
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << row.name << " " << bad;
    EXPECT_EQ(s.message(), absl::StrCat(row.name, " ", row.RangeText(), ", got ", bad));
    EXPECT_EQ(CheckTrainOptions(o), s);
  }
  TrainOptions o;
  o.validation_fraction = 1;
  EXPECT_EQ(CheckTrainingSizes(o, 100, 30, 10).message(),
            "validation_fraction must be in [0, 1), got 1");
  o = TrainOptions();
  o.heavy_fraction = 1;
  EXPECT_EQ(CheckTrainOptions(o).message(), "heavy_fraction must be in [0, 1), got 1");
  o = TrainOptions();
  o.lasso_lambda_fraction = 0;
  EXPECT_EQ(CheckTrainOptions(o).message(), "lasso_lambda_fraction must be in (0, 1], got 0");
  o = TrainOptions();
  o.time_budget_seconds = std::numeric_limits<double>::infinity();
  EXPECT_EQ(CheckTrainOptions(o).message(), "time_budget_seconds must be finite and ≥ 0, got inf");
}

TEST(TrainOptionTableTest, MethodNamesAreListedOnce) {
  EXPECT_EQ(JoinAlternatives(TrainMethodNames()),
            "random, ivy, mixed, inner_product, greedy, subspace or heavy_rows");
  EXPECT_EQ(JoinAlternatives(TrainMethodNames(SketchTask::kRegression)), "random or heavy_rows");
  for (const std::string& name : TrainMethodNames()) {
    auto method = ParseTrainMethod(name);
    ASSERT_TRUE(method.ok()) << name;
    EXPECT_EQ(TrainMethodName(*method), name);
  }
  EXPECT_THAT(std::string(ParseTrainMethod("magic").status().message()),
              HasSubstr("random, ivy, mixed, inner_product, greedy, subspace or heavy_rows"));
}

}  // namespace
}  // namespace sketchd
