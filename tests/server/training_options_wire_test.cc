// The proto ↔ TrainOptions mapping: every option-table row survives the wire,
// and the server refuses an out-of-range value with core's message.
#include "proto/training_options_wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/training/train_option_table.h"
#include "tests/server/server_test_util.h"
#include "tests/testing/train_option_samples.h"

namespace sketchd::testing {
namespace {

// The mapping goes by name: every row has its proto field and every field a row.
TEST(TrainingOptionsWireTest, RowsAndProtoFieldsAreTheSameNames) {
  const google::protobuf::Descriptor* d = v1::TrainingOptions::descriptor();
  for (const TrainOptionRow& row : TrainOptionTable()) {
    EXPECT_NE(d->FindFieldByName(std::string(row.name)), nullptr)
        << "option-table row " << row.name << " has no TrainingOptions field";
  }
  for (int i = 0; i < d->field_count(); ++i) {
    EXPECT_NE(FindTrainOption(d->field(i)->name()), nullptr)
        << "TrainingOptions field " << d->field(i)->name() << " has no option-table row";
  }
}

TEST(TrainingOptionsWireTest, EveryRowRoundTrips) {
  for (const TrainOptionRow& row : TrainOptionTable()) {
    TrainOptions o;
    ASSERT_TRUE(row.Parse(NonDefaultText(row), &o).ok()) << row.name;
    auto back = TrainOptionsFromWire(TrainOptionsToWire(o));
    ASSERT_TRUE(back.ok()) << row.name << ": " << back.status();
    for (const TrainOptionRow& other : TrainOptionTable()) {
      EXPECT_EQ(other.format(*back), other.format(o))
          << "setting " << row.name << ", " << other.name << " changed on the wire";
    }
  }
}

TEST(TrainingOptionsWireTest, UnsetFieldsKeepCoreDefaults) {
  v1::TrainingOptions p;
  p.set_method("heavy_rows");
  p.set_task(v1::TASK_REGRESSION);
  p.set_m(12);  // k unset: unused by regression
  auto o = TrainOptionsFromWire(p);
  ASSERT_TRUE(o.ok()) << o.status();
  const TrainOptions defaults;
  for (const TrainOptionRow& row : TrainOptionTable()) {
    if (row.name == "method" || row.name == "task" || row.name == "m") continue;
    EXPECT_EQ(row.format(*o), row.format(defaults)) << row.name;
  }
  p.set_task(v1::TASK_LOW_RANK);
  EXPECT_EQ(TrainOptionsFromWire(p).status().message(), "k must be ≥ 1, got 0");
  p.set_task(v1::TASK_UNSPECIFIED);
  EXPECT_EQ(TrainOptionsFromWire(p).status().code(), absl::StatusCode::kInvalidArgument);
  p.set_task(v1::TASK_REGRESSION);
  p.set_method("magic");
  EXPECT_THAT(std::string(TrainOptionsFromWire(p).status().message()),
              ::testing::HasSubstr("unknown method 'magic'"));
}

TEST(TrainingOptionsWireTest, ExtremeValuesSurvive) {
  TrainOptions o;
  o.seed = ~uint64_t{0};
  o.learning_rate = 1.0 / 3.0;
  o.k = int64_t{1} << 40;
  o.m = (int64_t{1} << 40) + 1;
  auto back = TrainOptionsFromWire(TrainOptionsToWire(o));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->seed, o.seed);
  EXPECT_EQ(back->learning_rate, o.learning_rate);
  EXPECT_EQ(back->k, o.k);
  EXPECT_EQ(back->m, o.m);
}

TEST(TrainingOptionsWireTest, OutOfRangeIsCoresMessage) {
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const std::string bad = OutOfRangeText(row);
    if (bad.empty()) continue;
    TrainOptions o;
    ASSERT_TRUE(row.Parse(bad, &o).ok());
    const absl::Status core = row.Check(o);
    ASSERT_FALSE(core.ok()) << row.name;
    const absl::Status wire = TrainOptionsFromWire(TrainOptionsToWire(o)).status();
    EXPECT_EQ(wire, core) << row.name;
  }
}

// Through the service: StartTraining answers INVALID_ARGUMENT with core's text.
class StartTrainingOptionsTest : public ServerFixture {};

TEST_F(StartTrainingOptionsTest, OutOfRangeOptionIsRefusedWithCoresMessage) {
  ASSERT_TRUE(CreateDataset("opts", 32).ok());
  ASSERT_TRUE(Upload("opts", {TestMatrix(32, 8, 2, 1), TestMatrix(32, 8, 2, 2)}).ok());
  v1::TrainingOptions p;
  p.set_method("ivy");
  p.set_task(v1::TASK_LOW_RANK);
  p.set_k(2);
  p.set_m(6);
  p.set_validation_fraction(1);
  grpc::ClientContext ctx;
  v1::StartTrainingRequest req;
  req.set_dataset("opts");
  *req.mutable_options() = p;
  v1::Job job;
  grpc::Status s = stub_->StartTraining(&ctx, req, &job);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "validation_fraction must be in [0, 1), got 1");
  // Every option is accepted by the server (here the three the CLI used to lack).
  p.set_validation_fraction(0.5);
  p.set_method("greedy");
  p.set_greedy_leverage_order(true);
  p.set_iterations(1);
  v1::Job done = TrainAndWait("opts", p);
  EXPECT_EQ(done.state(), v1::JOB_STATE_SUCCEEDED) << done.error();
  EXPECT_TRUE(done.options().greedy_leverage_order());
}

}  // namespace
}  // namespace sketchd::testing
