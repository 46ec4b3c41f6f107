// The training-backend seam: jobs go through the TrainingBackend the server
// is given (here a fake that records its calls), its sketch is what gets
// stored, and CancelJob reaches it through the cancel token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "core/sketch/count_sketch.h"
#include "core/training/trained_sketch.h"
#include "server/training_backend.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

constexpr int64_t kN = 48, kD = 16;

class FakeBackend final : public TrainingBackend {
 public:
  enum class Mode { kCanned, kWaitForCancel, kInvalidArgument };
  static constexpr const char* kRunTimeError =
      "option 'iterations' cannot be used with this data (found while training)";
  explicit FakeBackend(Mode mode) : mode_(mode) {}

  std::string_view name() const override { return "fake"; }
  absl::StatusOr<TrainedSketch> Train(const TrainingRequest& request,
                                      const ProgressCallback& progress,
                                      const CancelToken& cancel) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(request.options);
      datasets_.push_back(request.dataset);
      job_ids_.push_back(request.job_id);
      for (int64_t i = 0; i < request.matrices->count(); ++i) {
        absl::StatusOr<RowMatrixXd> a = request.matrices->Next();
        if (!a.ok()) return a.status();
        matrices_.push_back(*std::move(a));
      }
    }
    progress(0.5, "fake backend halfway");
    if (mode_ == Mode::kInvalidArgument) return absl::InvalidArgumentError(kRunTimeError);
    if (mode_ == Mode::kWaitForCancel) {
      started_.store(true);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!cancel.cancelled() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      cancel_seen_.store(cancel.cancelled());
      return absl::CancelledError("fake backend cancelled");
    }
    return Canned(request.options);
  }

  static TrainedSketch Canned(const TrainOptions& options) {
    TrainedSketch t;
    t.sketch = *CountSketch::Random(options.m, kN, 4242);
    t.options = options;
    t.n = kN;
    t.d = kD;
    t.notes = "made by the fake backend";
    return t;
  }

  std::vector<TrainOptions> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<std::string> datasets() {
    std::lock_guard<std::mutex> lock(mu_);
    return datasets_;
  }
  std::vector<int64_t> job_ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return job_ids_;
  }
  std::vector<RowMatrixXd> matrices() {
    std::lock_guard<std::mutex> lock(mu_);
    return matrices_;
  }
  bool started() const { return started_.load(); }
  bool cancel_seen() const { return cancel_seen_.load(); }

 private:
  const Mode mode_;
  std::mutex mu_;
  std::vector<TrainOptions> calls_;
  std::vector<std::string> datasets_;
  std::vector<int64_t> job_ids_;
  std::vector<RowMatrixXd> matrices_;
  std::atomic<bool> started_{false};
  std::atomic<bool> cancel_seen_{false};
};

class TrainingBackendTest : public ServerFixture {
 protected:
  void SetUp() override {}  // each test starts the server with its backend

  void StartWith(std::shared_ptr<TrainingBackend> backend) {
    ServerOptions o = DefaultOptions();
    o.training_backend = std::move(backend);
    StartServer(o);
    const grpc::Status created = CreateDataset("seam", kN);
    ASSERT_TRUE(created.ok()) << created.error_message();
    for (int i = 0; i < 3; ++i) uploaded_.push_back(TestMatrix(kN, kD, 3, 70 + i));
    ASSERT_TRUE(Upload("seam", uploaded_).ok());
  }

  static v1::TrainingOptions Options() {
    v1::TrainingOptions o;
    o.set_method("ivy");
    o.set_task(v1::TASK_LOW_RANK);
    o.set_k(3);
    o.set_m(9);
    o.set_seed(11);
    o.set_iterations(17);
    o.set_validation_fraction(0.25);
    return o;
  }

  std::vector<RowMatrixXd> uploaded_;
};

TEST_F(TrainingBackendTest, JobsTrainThroughTheBackendAndStoreItsSketch) {
  auto backend = std::make_shared<FakeBackend>(FakeBackend::Mode::kCanned);
  StartWith(backend);
  v1::Job job = TrainAndWait("seam", Options());
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();

  // The backend got the job's options (threads resolved by the server) and
  // every training matrix, decoded, in upload order.
  ASSERT_EQ(backend->calls().size(), 1u);
  const TrainOptions seen = backend->calls()[0];
  EXPECT_EQ(seen.method, TrainMethod::kIvy);
  EXPECT_EQ(seen.k, 3);
  EXPECT_EQ(seen.m, 9);
  EXPECT_EQ(seen.seed, 11u);
  EXPECT_EQ(seen.iterations, 17);
  EXPECT_EQ(seen.validation_fraction, 0.25);
  EXPECT_EQ(seen.threads, 1);  // DefaultOptions' training_threads
  EXPECT_EQ(backend->datasets()[0], "seam");
  EXPECT_EQ(backend->job_ids()[0], job.job_id());
  const std::vector<RowMatrixXd> got = backend->matrices();
  ASSERT_EQ(got.size(), uploaded_.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], uploaded_[i]) << i;

  // What the service stores and exports is the backend's sketch.
  grpc::ClientContext ctx;
  v1::GetSketchRequest gs;
  gs.set_dataset("seam");
  gs.set_task(v1::TASK_LOW_RANK);
  gs.set_include_serialized(true);
  v1::GetSketchResponse exported;
  ASSERT_TRUE(ExportSketch(stub_.get(), &ctx, gs, &exported).ok());
  auto trained = ParseTrainedSketch(exported.serialized());
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->sketch, FakeBackend::Canned(seen).sketch);
  EXPECT_EQ(trained->notes, "made by the fake backend");
  EXPECT_EQ(exported.info().version(), job.sketch_version());
}

TEST_F(TrainingBackendTest, CancelJobReachesTheBackend) {
  auto backend = std::make_shared<FakeBackend>(FakeBackend::Mode::kWaitForCancel);
  StartWith(backend);
  v1::Job job;
  {
    grpc::ClientContext ctx;
    v1::StartTrainingRequest req;
    req.set_dataset("seam");
    *req.mutable_options() = Options();
    ASSERT_TRUE(stub_->StartTraining(&ctx, req, &job).ok());
  }
  for (int i = 0; i < 3000 && !backend->started(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(backend->started());
  {
    grpc::ClientContext ctx;
    v1::CancelJobRequest req;
    req.set_job_id(job.job_id());
    v1::Job resp;
    ASSERT_TRUE(stub_->CancelJob(&ctx, req, &resp).ok());
  }
  grpc::ClientContext ctx;
  v1::WatchJobRequest w;
  w.set_job_id(job.job_id());
  auto reader = stub_->WatchJob(&ctx, w);
  v1::Job update;
  while (reader->Read(&update)) job = update;
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(job.state(), v1::JOB_STATE_CANCELLED) << job.error();
  EXPECT_EQ(job.error_code(), static_cast<int32_t>(grpc::StatusCode::CANCELLED));
  EXPECT_EQ(job.error(), "cancelled by CancelJob");
  EXPECT_TRUE(backend->cancel_seen());
}

// A job that core fails with INVALID_ARGUMENT reports the code as
// Job.error_code and the message alone (no "INVALID_ARGUMENT: " prefix) as
// Job.error, through GetJob and WatchJob alike.
TEST_F(TrainingBackendTest, FailedJobCarriesItsStatusCode) {
  auto backend = std::make_shared<FakeBackend>(FakeBackend::Mode::kInvalidArgument);
  StartWith(backend);
  v1::Job watched = TrainAndWait("seam", Options());
  EXPECT_EQ(watched.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(watched.error_code(), static_cast<int32_t>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(watched.error(), FakeBackend::kRunTimeError);

  grpc::ClientContext ctx;
  v1::GetJobRequest req;
  req.set_job_id(watched.job_id());
  v1::Job got;
  ASSERT_TRUE(stub_->GetJob(&ctx, req, &got).ok());
  EXPECT_EQ(got.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(got.error_code(), static_cast<int32_t>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(got.error(), FakeBackend::kRunTimeError);
}

}  // namespace
}  // namespace sketchd::testing
