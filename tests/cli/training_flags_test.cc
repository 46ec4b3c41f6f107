// The training flags are derived from core's option table: every row is a
// flag of both train commands, parses to the row's value, and a bad value is
// refused with the table's message (the one core and the server give).
#include "client/training_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/train_option_samples.h"

namespace sketchd {
namespace {

using testing::NonDefaultText;
using testing::OutOfRangeText;

std::string FirstFlag(const TrainOptionRow& row) {
  return std::string(row.flags.substr(0, row.flags.find(',')));
}

// Parses `args` (after the program name) with the training flags.
absl::StatusOr<TrainOptions> Parse(std::vector<std::string> args, std::string* error = nullptr) {
  CLI::App app("test");
  TrainingFlags flags;
  AddTrainingFlags(&app, &flags);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (error != nullptr) *error = e.what();
    return absl::InvalidArgumentError(e.what());
  }
  return ToTrainOptions(flags);
}

TEST(TrainingFlagsTest, EveryRowIsAFlagAndParsesToItsValue) {
  for (const TrainOptionRow& row : TrainOptionTable()) {
    std::vector<std::string> args;
    if (row.name != "method") args = {"--method", "random"};
    if (row.name != "m") args.insert(args.end(), {"--m", "20"});
    const std::string text = NonDefaultText(row);
    if (row.type == TrainOptionType::kBool) {
      args.push_back(text == "1" ? FirstFlag(row) : "--no-" + FirstFlag(row).substr(2));
    } else {
      args.insert(args.end(), {FirstFlag(row), text});
    }
    auto parsed = Parse(args);
    ASSERT_TRUE(parsed.ok()) << row.name << ": " << parsed.status();
    TrainOptions want;
    ASSERT_TRUE(row.Parse(text, &want).ok());
    for (const TrainOptionRow& other : TrainOptionTable()) {
      EXPECT_EQ(other.format(*parsed), other.format(want))
          << "flag " << FirstFlag(row) << " " << text << ": " << other.name;
    }
  }
}

TEST(TrainingFlagsTest, OutOfRangeIsTheTablesMessage) {
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const std::string bad = OutOfRangeText(row);
    if (bad.empty()) continue;
    TrainOptions o;
    ASSERT_TRUE(row.Parse(bad, &o).ok());
    const std::string core(row.Check(o).message());
    ASSERT_FALSE(core.empty()) << row.name;
    std::vector<std::string> args = {"--method", "random", "--m", "20"};
    if (row.name == "m") args = {"--method", "random"};
    args.insert(args.end(), {FirstFlag(row) + "=" + bad});
    std::string error;
    EXPECT_FALSE(Parse(args, &error).ok()) << row.name;
    EXPECT_EQ(error, FirstFlag(row) + ": " + core);
  }
}

TEST(TrainingFlagsTest, MethodAndMAreRequiredAndDefaultsAreCores) {
  std::string error;
  EXPECT_FALSE(Parse({"--m", "4"}, &error).ok());
  EXPECT_THAT(error, ::testing::HasSubstr("--method is required"));
  auto parsed = Parse({"--method", "ivy", "--m", "7"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  TrainOptions want;
  want.method = TrainMethod::kIvy;
  want.m = 7;
  for (const TrainOptionRow& row : TrainOptionTable()) {
    EXPECT_EQ(row.format(*parsed), row.format(want)) << row.name;
  }
}

}  // namespace
}  // namespace sketchd
