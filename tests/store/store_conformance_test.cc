// Every Store backend must pass these unchanged (store.h is the contract).
// Parameterised by backend; the PostgreSQL cases need a local PostgreSQL 15
// (test_postgres.h) and skip loudly without one, except under CI=true.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/sqlite_store.h"
#include "server/store.h"
#include "server/store_factory.h"
#include "tests/store/test_postgres.h"

namespace sketchd {
namespace {

using ::sketchd::testing::TestPostgres;

constexpr int64_t kLongLease = int64_t{60} * 1000 * 1000;  // never expires in a test

// A store under test, plus the means to open a second handle on the same
// registry (a second replica, or a second SqliteStore on the same files).
class StoreConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      static std::atomic<int> counter{0};
      dir_ = (std::filesystem::temp_directory_path() /
              ("sketchd-store-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
                 .string();
      std::filesystem::remove_all(dir_);
      spec_ = "sqlite";
    } else {
      SKETCHD_REQUIRE_TEST_POSTGRES();
      absl::StatusOr<std::string> url = TestPostgres::Get().NewDatabase();
      ASSERT_TRUE(url.ok()) << url.status();
      spec_ = *url;
      if (GetParam() == "postgresql_blob_dir") {
        dir_ = std::filesystem::temp_directory_path().string() + "/sketchd-pgblobs-" +
               std::to_string(getpid()) + "-" + url->substr(url->rfind('/') + 1);
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        blob_dir_ = dir_ + "/blobs";
      }
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    // Opened before any test data exists: SQLite's Open tidies up after a
    // previous process (staged uploads, unowned jobs), which a second
    // handle opened mid-test would mistake this one's work for.
    for (int r = 0; r < 3; ++r) {
      replicas_.push_back(Open());
      ASSERT_NE(replicas_.back(), nullptr);
    }
  }

  void TearDown() override {
    replicas_.clear();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Store> Open() {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(spec_, dir_, blob_dir_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  void MakeDataset(const std::string& name, int64_t n = 4) {
    DatasetRecord ds;
    ds.name = name;
    ds.n = n;
    ds.description = "conformance " + name;
    ASSERT_TRUE(store_->CreateDataset(ds).ok());
  }

  // A small valid trained sketch for `task`.
  static TrainedSketch Sketch(SketchTask task, uint64_t seed) {
    TrainedSketch t;
    t.sketch = *CountSketch::Random(2, 4, seed);
    t.options.task = task;
    t.options.method = TrainMethod::kRandom;
    t.options.m = 2;
    t.options.k = 1;
    t.options.seed = seed;
    t.n = 4;
    t.d = 3;
    t.train_seconds = 0.125;
    t.validation.metric = "mean_excess_error";
    t.validation.learned = 0.1 + 1e-13;  // must survive the round trip exactly
    t.validation.random = 0.3;
    t.validation.num_matrices = 2;
    t.validation.random_seeds = 5;
    return t;
  }

  // Creates, claims and completes a job; returns the sketch version.
  int64_t TrainOne(const std::string& dataset, SketchTask task, uint64_t seed) {
    TrainOptions options;
    options.task = task;
    absl::StatusOr<JobRecord> job = store_->CreateJob(dataset, options, 0);
    EXPECT_TRUE(job.ok()) << job.status();
    if (!job.ok()) return 0;
    job->state = JobState::kRunning;
    EXPECT_TRUE(store_->UpdateJob(*job).ok());
    absl::StatusOr<SketchRecord> done = store_->CompleteJob(*job, Sketch(task, seed));
    EXPECT_TRUE(done.ok()) << done.status();
    return done.ok() ? done->version : 0;
  }

  std::string dir_;
  std::string spec_;
  std::string blob_dir_;  // PostgreSQL with a shared blob directory
  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<Store>> replicas_;  // more handles on the same registry
};

std::string Bytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen());
  return out;
}

// ---------------------------------------------------------------- datasets

TEST_P(StoreConformanceTest, DatasetsCreateGetListDelete) {
  MakeDataset("b");
  MakeDataset("B");
  MakeDataset("a");
  DatasetRecord dup;
  dup.name = "a";
  dup.n = 9;
  absl::StatusOr<DatasetRecord> again = store_->CreateDataset(dup);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "dataset 'a' already exists");

  absl::StatusOr<DatasetRecord> a = store_->GetDataset("a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->n, 4);
  EXPECT_EQ(a->description, "conformance a");
  EXPECT_GT(a->created_us, 0);
  EXPECT_EQ(a->num_matrices, 0);

  absl::StatusOr<std::vector<DatasetRecord>> all = store_->ListDatasets();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  // Byte order, the same on every backend: upper case first.
  EXPECT_EQ((*all)[0].name, "B");
  EXPECT_EQ((*all)[1].name, "a");
  EXPECT_EQ((*all)[2].name, "b");

  ASSERT_TRUE(store_->DeleteDataset("a").ok());
  EXPECT_EQ(store_->GetDataset("a").status().message(), "dataset 'a' not found");
  EXPECT_EQ(store_->DeleteDataset("a").code(), absl::StatusCode::kNotFound);
}

// ------------------------------------------------------- training matrices

TEST_P(StoreConformanceTest, UploadsAreInvisibleUntilCommitAndBytesRoundTrip) {
  MakeDataset("ds");
  const std::string m1 = Bytes(4 * 3 * 8, 1), m2 = Bytes(4 * 3 * 8, 2), m3 = Bytes(4 * 3 * 4, 3);
  ASSERT_TRUE(store_->StageMatrix("ds", "u1", 4, 3, ElementType::kFloat64, m1).ok());
  ASSERT_TRUE(store_->StageMatrix("ds", "u1", 4, 3, ElementType::kFloat64, m2).ok());
  ASSERT_TRUE(store_->StageMatrix("ds", "u2", 4, 3, ElementType::kFloat32, m3).ok());

  EXPECT_EQ(store_->GetDataset("ds")->num_matrices, 0);
  EXPECT_TRUE(store_->LoadTrainingMatrices("ds")->empty());

  absl::StatusOr<int64_t> total = store_->CommitUpload("ds", "u1");
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 2);
  ASSERT_TRUE(store_->AbortUpload("u2").ok());
  EXPECT_EQ(store_->CommitUpload("ds", "u2").value_or(-1), 2);  // nothing left to commit

  absl::StatusOr<DatasetRecord> ds = store_->GetDataset("ds");
  EXPECT_EQ(ds->num_matrices, 2);
  EXPECT_EQ(ds->training_cols, 3);
  EXPECT_EQ(ds->training_bytes, 2 * 4 * 3 * 8);

  absl::StatusOr<std::vector<StoredMatrix>> loaded = store_->LoadTrainingMatrices("ds");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].data, m1);  // upload order
  EXPECT_EQ((*loaded)[1].data, m2);
  EXPECT_EQ((*loaded)[0].rows, 4);
  EXPECT_EQ((*loaded)[0].cols, 3);
  EXPECT_EQ((*loaded)[0].dtype, ElementType::kFloat64);

  // Visible through a second handle (another replica) too.
  EXPECT_EQ(replicas_[0]->LoadTrainingMatrices("ds")->size(), 2u);
}

TEST_P(StoreConformanceTest, LargeMatrixRoundTripsExactly) {
  MakeDataset("big", 4500);
  // 4500 × 1000 float64 = 36 MB: more than one storage chunk on backends
  // that split values.
  const std::string bytes = Bytes(4500 * 1000 * 8, 7);
  ASSERT_TRUE(store_->StageMatrix("big", "u", 4500, 1000, ElementType::kFloat64, bytes).ok());
  ASSERT_TRUE(store_->CommitUpload("big", "u").ok());
  absl::StatusOr<std::vector<StoredMatrix>> loaded = store_->LoadTrainingMatrices("big");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_TRUE((*loaded)[0].data == bytes);
}

TEST_P(StoreConformanceTest, UploadErrors) {
  EXPECT_EQ(store_->StageMatrix("nope", "u", 1, 1, ElementType::kFloat64, std::string(8, 0)).message(),
            "dataset 'nope' not found");
  MakeDataset("ds");
  ASSERT_TRUE(store_->StageMatrix("ds", "u1", 4, 3, ElementType::kFloat64, Bytes(96, 1)).ok());
  ASSERT_TRUE(store_->CommitUpload("ds", "u1").ok());
  ASSERT_TRUE(store_->StageMatrix("ds", "u2", 4, 5, ElementType::kFloat64, Bytes(160, 2)).ok());
  absl::StatusOr<int64_t> mismatch = store_->CommitUpload("ds", "u2");
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(mismatch.status().message(),
            "dataset 'ds' already holds training matrices with 3 columns; every training matrix "
            "of a dataset needs the same column count");
  EXPECT_EQ(store_->GetDataset("ds")->num_matrices, 1);
  EXPECT_EQ(store_->CommitUpload("gone", "u2").status().code(), absl::StatusCode::kNotFound);
}

// -------------------------------------------------------------------- jobs

TEST_P(StoreConformanceTest, JobsCreateListUpdate) {
  MakeDataset("a");
  MakeDataset("b");
  TrainOptions options;
  options.m = 7;
  options.learning_rate = 0.1 + 1e-15;
  EXPECT_EQ(store_->CreateJob("nope", options, 0).status().message(), "dataset 'nope' not found");
  absl::StatusOr<JobRecord> j1 = store_->CreateJob("a", options, 0);
  absl::StatusOr<JobRecord> j2 = store_->CreateJob("b", options, 0);
  absl::StatusOr<JobRecord> j3 = store_->CreateJob("a", options, 1);
  ASSERT_TRUE(j1.ok() && j2.ok() && j3.ok());
  EXPECT_EQ(j1->state, JobState::kQueued);
  EXPECT_EQ(j1->owner, "");
  EXPECT_LT(j1->id, j2->id);

  absl::StatusOr<std::vector<JobRecord>> of_a = store_->ListJobs("a");
  ASSERT_TRUE(of_a.ok());
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].id, j3->id);  // newest first
  EXPECT_EQ((*of_a)[0].restarted_from, 1);
  EXPECT_EQ(store_->ListJobs("")->size(), 3u);

  // Single-process mode: an unclaimed job is written by the "" owner.
  JobRecord running = *j1;
  running.state = JobState::kRunning;
  running.progress = 0.25 + 1e-12;
  running.message = "step 3";
  running.started_us = 42;
  ASSERT_TRUE(store_->UpdateJob(running).ok());
  absl::StatusOr<JobRecord> back = store_->GetJob(j1->id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->state, JobState::kRunning);
  EXPECT_EQ(back->progress, 0.25 + 1e-12);
  EXPECT_EQ(back->message, "step 3");
  EXPECT_EQ(back->started_us, 42);
  EXPECT_EQ(back->options.m, 7);
  EXPECT_EQ(back->options.learning_rate, 0.1 + 1e-15);
  EXPECT_EQ(store_->GetJob(999999).status().message(), "job 999999 not found");
}

// Idempotent StartTraining: a request id binds to the first job of its
// dataset; a retry (here from another replica) finds that job, and a
// duplicate job created by a concurrent retry loses the bind.
TEST_P(StoreConformanceTest, RequestIdsBindOneJobPerDataset) {
  MakeDataset("a");
  MakeDataset("b");
  Store* replica = replicas_[0].get();
  EXPECT_EQ(store_->FindJobByRequestId("a", "r-1").status().code(), absl::StatusCode::kNotFound);
  const int64_t first = store_->CreateJob("a", TrainOptions(), 0)->id;
  absl::StatusOr<JobRecord> bound = store_->BindRequestId(first, "r-1");
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(bound->id, first);
  absl::StatusOr<JobRecord> found = replica->FindJobByRequestId("a", "r-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id, first);

  // A concurrent retry created a second job: binding it returns the first.
  const int64_t duplicate = replica->CreateJob("a", TrainOptions(), 0)->id;
  absl::StatusOr<JobRecord> lost = replica->BindRequestId(duplicate, "r-1");
  ASSERT_TRUE(lost.ok()) << lost.status();
  EXPECT_EQ(lost->id, first);
  EXPECT_EQ(store_->FindJobByRequestId("a", "r-1")->id, first);

  // Request ids are per dataset; the same id on another dataset is another job.
  const int64_t other = store_->CreateJob("b", TrainOptions(), 0)->id;
  EXPECT_EQ(store_->BindRequestId(other, "r-1")->id, other);
  EXPECT_EQ(store_->FindJobByRequestId("b", "r-1")->id, other);
  EXPECT_EQ(store_->FindJobByRequestId("a", "r-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->BindRequestId(999999, "r-3").status().code(), absl::StatusCode::kNotFound);

  // Concurrent binds of one id from several replicas: exactly one job wins.
  std::vector<int64_t> jobs;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    jobs.push_back(replicas_[r]->CreateJob("a", TrainOptions(), 0)->id);
  }
  std::vector<int64_t> winners(replicas_.size(), 0);
  std::vector<std::thread> threads;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    threads.emplace_back([&, r] {
      absl::StatusOr<JobRecord> w = replicas_[r]->BindRequestId(jobs[r], "race");
      if (w.ok()) winners[r] = w->id;
    });
  }
  for (auto& t : threads) t.join();
  for (int64_t w : winners) EXPECT_EQ(w, winners[0]);
  EXPECT_NE(std::find(jobs.begin(), jobs.end(), winners[0]), jobs.end());
}

// CreateJob with a request id creates and binds in one transaction: a
// second creation with the id (any replica, even concurrently) creates
// nothing and returns the first job.
TEST_P(StoreConformanceTest, CreateJobWithRequestIdCreatesOnce) {
  MakeDataset("a");
  MakeDataset("b");
  bool created = false;
  absl::StatusOr<JobRecord> first = store_->CreateJob("a", TrainOptions(), 0, "c-1", &created);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(created);
  EXPECT_EQ(store_->FindJobByRequestId("a", "c-1")->id, first->id);
  absl::StatusOr<JobRecord> again =
      replicas_[0]->CreateJob("a", TrainOptions(), 0, "c-1", &created);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(created);
  EXPECT_EQ(again->id, first->id);
  absl::StatusOr<JobRecord> other = store_->CreateJob("b", TrainOptions(), 0, "c-1", &created);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(created);
  EXPECT_NE(other->id, first->id);
  EXPECT_EQ(store_->CreateJob("nope", TrainOptions(), 0, "c-1").status().message(),
            "dataset 'nope' not found");

  std::vector<int64_t> ids(replicas_.size() * 2, 0);
  std::vector<char> made(ids.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      Store* s = i % 2 == 0 ? store_.get() : replicas_[i / 2].get();
      bool c = false;
      absl::StatusOr<JobRecord> j = s->CreateJob("a", TrainOptions(), 0, "c-race", &c);
      if (j.ok()) {
        ids[i] = j->id;
        made[i] = c;
      }
    });
  }
  for (auto& t : threads) t.join();
  int creators = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], ids[0]) << i;
    creators += made[i];
  }
  EXPECT_EQ(creators, 1);
  EXPECT_EQ(store_->ListJobs("a")->size(), 2u);  // c-1 and c-race
}

// A job's error is a status code plus its message; both round-trip, and
// the store's own terminal writes (cancel, interrupt, complete) set codes.
TEST_P(StoreConformanceTest, JobErrorCodesRoundTrip) {
  MakeDataset("a");
  absl::StatusOr<JobRecord> created = store_->CreateJob("a", TrainOptions(), 0);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->error_code, absl::StatusCode::kOk);
  JobRecord failed = *created;
  failed.state = JobState::kFailed;
  failed.error_code = absl::StatusCode::kInvalidArgument;
  failed.error = "k must be at most the column count";
  ASSERT_TRUE(store_->UpdateJob(failed).ok());
  absl::StatusOr<JobRecord> back = replicas_[0]->GetJob(failed.id);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->state, JobState::kFailed);
  EXPECT_EQ(back->error_code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back->error, "k must be at most the column count");
  EXPECT_EQ(store_->ListJobs("a")->at(0).error_code, absl::StatusCode::kInvalidArgument);

  const int64_t queued = store_->CreateJob("a", TrainOptions(), 0)->id;
  ASSERT_TRUE(store_->RequestCancel(queued).ok());
  EXPECT_EQ(store_->GetJob(queued)->error_code, absl::StatusCode::kCancelled);

  const int64_t interrupted = store_->CreateJob("a", TrainOptions(), 0)->id;
  ASSERT_TRUE(store_->InterruptActiveJobs("", "server restarted").ok());
  EXPECT_EQ(store_->GetJob(interrupted)->error_code, absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->GetJob(interrupted)->error, "server restarted");
}

TEST_P(StoreConformanceTest, ClaimsHandOutEachJobOnce) {
  MakeDataset("a");
  const int64_t first = store_->CreateJob("a", TrainOptions(), 0)->id;
  const int64_t second = store_->CreateJob("a", TrainOptions(), 0)->id;
  EXPECT_EQ(store_->ClaimJob("", kLongLease).status().code(), absl::StatusCode::kInvalidArgument);

  Store* replica_b = replicas_[0].get();
  absl::StatusOr<std::optional<JobRecord>> a = store_->ClaimJob("replica-a", kLongLease);
  absl::StatusOr<std::optional<JobRecord>> b = replica_b->ClaimJob("replica-b", kLongLease);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->id, first);  // oldest first
  EXPECT_EQ((*b)->id, second);
  EXPECT_EQ((*a)->state, JobState::kRunning);
  EXPECT_EQ((*a)->owner, "replica-a");
  EXPECT_GT((*a)->lease_expires_us, (*a)->created_us);
  EXPECT_GT((*a)->started_us, 0);
  absl::StatusOr<std::optional<JobRecord>> none = store_->ClaimJob("replica-c", kLongLease);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreConformanceTest, ConcurrentClaimersNeverShareAJob) {
  MakeDataset("a");
  constexpr int kJobs = 24;
  for (int i = 0; i < kJobs; ++i) ASSERT_TRUE(store_->CreateJob("a", TrainOptions(), 0).ok());
  std::vector<std::unique_ptr<Store>>& replicas = replicas_;
  std::vector<std::vector<int64_t>> claimed(replicas.size());
  std::vector<std::thread> threads;
  for (size_t r = 0; r < replicas.size(); ++r) {
    threads.emplace_back([&, r] {
      while (true) {
        auto job = replicas[r]->ClaimJob("replica-" + std::to_string(r), kLongLease);
        if (!job.ok() || !job->has_value()) return;
        claimed[r].push_back((*job)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> all;
  for (const auto& ids : claimed) all.insert(all.end(), ids.begin(), ids.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a job was claimed twice";
}

TEST_P(StoreConformanceTest, ExpiredLeaseIsTakenOverAndTheOldOwnerIsLockedOut) {
  MakeDataset("a");
  const int64_t id = store_->CreateJob("a", TrainOptions(), 0)->id;
  const int64_t short_lease = 200 * 1000;
  absl::StatusOr<std::optional<JobRecord>> a = store_->ClaimJob("replica-a", short_lease);
  ASSERT_TRUE(a.ok() && a->has_value());
  // Still leased: nobody else gets it, and the owner can renew.
  EXPECT_FALSE(store_->ClaimJob("replica-b", short_lease)->has_value());
  absl::StatusOr<JobRecord> renewed = store_->RenewLease(id, "replica-a", short_lease);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_GE(renewed->lease_expires_us, (*a)->lease_expires_us);

  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // replica-a "died"
  absl::StatusOr<std::optional<JobRecord>> b = store_->ClaimJob("replica-b", kLongLease);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->id, id);
  EXPECT_EQ((*b)->owner, "replica-b");
  EXPECT_EQ((*b)->started_us, (*a)->started_us);  // first start kept

  absl::StatusOr<JobRecord> lost = store_->RenewLease(id, "replica-a", short_lease);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(lost.status().message(),
            "job " + std::to_string(id) +
                " is held by replica 'replica-b', not replica 'replica-a'; only its owner may "
                "change it (its lease was lost or never held)");
  JobRecord stale = **a;
  stale.progress = 0.9;
  EXPECT_EQ(store_->UpdateJob(stale).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->CompleteJob(stale, Sketch(SketchTask::kLowRank, 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->ListSketches("a", std::nullopt)->empty());

  JobRecord current = **b;
  current.progress = 0.5;
  ASSERT_TRUE(store_->UpdateJob(current).ok());
  EXPECT_EQ(store_->GetJob(id)->progress, 0.5);
}

TEST_P(StoreConformanceTest, CompletionIsCompareAndSetAndIdempotent) {
  MakeDataset("a");
  const int64_t id = store_->CreateJob("a", TrainOptions(), 0)->id;
  JobRecord mine = **store_->ClaimJob("replica-a", kLongLease);
  JobRecord intruder = mine;
  intruder.owner = "replica-b";
  EXPECT_EQ(store_->CompleteJob(intruder, Sketch(SketchTask::kLowRank, 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->UpdateJob(intruder).code(), absl::StatusCode::kFailedPrecondition);

  mine.message = "done";
  absl::StatusOr<SketchRecord> first = store_->CompleteJob(mine, Sketch(SketchTask::kLowRank, 1));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version, 1);
  EXPECT_TRUE(first->is_default);
  EXPECT_EQ(first->job_id, id);
  // The owner retries (say its first reply was lost): same version, no second one.
  absl::StatusOr<SketchRecord> retry = store_->CompleteJob(mine, Sketch(SketchTask::kLowRank, 1));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->version, 1);
  EXPECT_EQ(store_->ListSketches("a", std::nullopt)->size(), 1u);
  absl::StatusOr<JobRecord> job = store_->GetJob(id);
  EXPECT_EQ(job->state, JobState::kSucceeded);
  EXPECT_EQ(job->sketch_version, 1);
  EXPECT_EQ(job->progress, 1);
  // A finished job takes no more writes.
  EXPECT_EQ(store_->UpdateJob(mine).message(),
            "job " + std::to_string(id) + " already finished (SUCCEEDED)");
}

TEST_P(StoreConformanceTest, CancelRequestsFromAnyReplica) {
  MakeDataset("a");
  const int64_t queued = store_->CreateJob("a", TrainOptions(), 0)->id;
  const int64_t running = store_->CreateJob("a", TrainOptions(), 0)->id;
  Store* other = replicas_[0].get();

  absl::StatusOr<JobRecord> c1 = other->RequestCancel(queued);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(c1->state, JobState::kCancelled);
  EXPECT_GT(c1->finished_us, 0);

  JobRecord claimed = **store_->ClaimJob("replica-a", kLongLease);
  EXPECT_EQ(claimed.id, running);  // the cancelled one is not claimable
  absl::StatusOr<JobRecord> c2 = other->RequestCancel(running);
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c2->state, JobState::kRunning);
  EXPECT_TRUE(c2->cancel_requested);
  absl::StatusOr<JobRecord> beat = store_->RenewLease(running, "replica-a", kLongLease);
  ASSERT_TRUE(beat.ok());
  EXPECT_TRUE(beat->cancel_requested);  // the owner learns on its heartbeat
  claimed.state = JobState::kCancelled;
  ASSERT_TRUE(store_->UpdateJob(claimed).ok());

  absl::StatusOr<JobRecord> again = other->RequestCancel(running);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(),
            "job " + std::to_string(running) + " already finished (CANCELLED)");
  EXPECT_EQ(other->RequestCancel(999999).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, InterruptTouchesOnlyOwnJobs) {
  MakeDataset("a");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store_->CreateJob("a", TrainOptions(), 0).ok());
  const int64_t mine = (**store_->ClaimJob("replica-a", kLongLease)).id;
  const int64_t live_other = (**store_->ClaimJob("replica-b", kLongLease)).id;
  const int64_t dead_other = (**store_->ClaimJob("replica-c", 100 * 1000)).id;
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  absl::StatusOr<int64_t> n = store_->InterruptActiveJobs("replica-a", "replica-a restarted");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(store_->GetJob(mine)->state, JobState::kInterrupted);
  EXPECT_EQ(store_->GetJob(mine)->error, "replica-a restarted");
  EXPECT_EQ(store_->GetJob(live_other)->state, JobState::kRunning);
  // A dead replica's job is not interrupted but taken over; then the
  // unclaimed one is claimable too.
  EXPECT_EQ(store_->GetJob(dead_other)->state, JobState::kRunning);
  for (int64_t expected : {dead_other, dead_other + 1}) {
    absl::StatusOr<std::optional<JobRecord>> next = store_->ClaimJob("replica-b", kLongLease);
    ASSERT_TRUE(next.ok() && next->has_value());
    EXPECT_EQ((*next)->id, expected);
  }
  // Single-process mode: "" interrupts the unowned jobs.
  const int64_t unowned = store_->CreateJob("a", TrainOptions(), 0)->id;
  EXPECT_EQ(store_->InterruptActiveJobs("", "restarted").value_or(-1), 1);
  EXPECT_EQ(store_->GetJob(unowned)->state, JobState::kInterrupted);
}

// ---------------------------------------------------------------- sketches

TEST_P(StoreConformanceTest, SketchesVersionsAndDefaultPointers) {
  MakeDataset("a");
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kLowRank).status().message(),
            "dataset 'a' has no default lowrank sketch yet: train one (StartTraining) or use a "
            "random sketch selector");
  EXPECT_EQ(TrainOne("a", SketchTask::kLowRank, 1), 1);
  EXPECT_EQ(TrainOne("a", SketchTask::kRegression, 2), 2);
  EXPECT_EQ(TrainOne("a", SketchTask::kLowRank, 3), 3);
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kLowRank).value_or(0), 1);
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kRegression).value_or(0), 2);
  EXPECT_EQ(store_->ListSketches("a", SketchTask::kLowRank)->size(), 2u);
  EXPECT_EQ(store_->ListSketches("a", std::nullopt)->size(), 3u);
  EXPECT_EQ(store_->GetDataset("a")->num_sketches, 3);

  absl::StatusOr<SketchRecord> v3 = store_->GetSketch("a", 3, true);
  ASSERT_TRUE(v3.ok()) << v3.status();
  EXPECT_FALSE(v3->is_default);
  EXPECT_EQ(v3->validation.learned, 0.1 + 1e-13);
  EXPECT_EQ(v3->validation.random_seeds, 5);
  EXPECT_EQ(v3->train_seconds, 0.125);
  EXPECT_EQ(static_cast<int64_t>(v3->serialized.size()), v3->serialized_bytes);
  absl::StatusOr<TrainedSketch> parsed = ParseTrainedSketch(v3->serialized);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->options.seed, 3u);
  EXPECT_TRUE(store_->GetSketch("a", 3, false)->serialized.empty());
  EXPECT_EQ(store_->GetSketch("a", 9, false).status().message(), "dataset 'a' has no sketch version 9");
  EXPECT_EQ(store_->GetSketch("zz", 1, false).status().message(), "dataset 'zz' not found");

  // The default pointer moves; another replica sees it at once.
  ASSERT_TRUE(store_->SetDefaultSketch("a", 3).ok());
  Store* other = replicas_[0].get();
  EXPECT_EQ(other->DefaultSketchVersion("a", SketchTask::kLowRank).value_or(0), 3);
  EXPECT_FALSE(other->GetSketch("a", 1, false)->is_default);
  // Deleting the default promotes the newest remaining sketch of its task.
  ASSERT_TRUE(other->DeleteSketch("a", 3).ok());
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kLowRank).value_or(0), 1);
  EXPECT_EQ(store_->DeleteSketch("a", 3).code(), absl::StatusCode::kNotFound);
  // Versions are never reused.
  EXPECT_EQ(TrainOne("a", SketchTask::kLowRank, 4), 4);
  ASSERT_TRUE(store_->DeleteSketch("a", 1).ok());
  ASSERT_TRUE(store_->DeleteSketch("a", 4).ok());
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kLowRank).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kRegression).value_or(0), 2);
}

TEST_P(StoreConformanceTest, DeletingADatasetRemovesEverythingAndNamesCanBeReused) {
  MakeDataset("a");
  ASSERT_TRUE(store_->StageMatrix("a", "u", 4, 1, ElementType::kFloat64, Bytes(32, 1)).ok());
  ASSERT_TRUE(store_->CommitUpload("a", "u").ok());
  ASSERT_EQ(TrainOne("a", SketchTask::kLowRank, 1), 1);
  const int64_t job = store_->ListJobs("a")->front().id;
  ASSERT_TRUE(store_->DeleteDataset("a").ok());
  EXPECT_EQ(store_->GetJob(job).status().code(), absl::StatusCode::kNotFound);
  MakeDataset("a");
  EXPECT_TRUE(store_->LoadTrainingMatrices("a")->empty());
  EXPECT_TRUE(store_->ListSketches("a", std::nullopt)->empty());
  EXPECT_EQ(TrainOne("a", SketchTask::kLowRank, 2), 1);
}

// The default-sketch policy's primitives: validation sds and the explicit
// flag round-trip; ReplaceAutomaticDefault is a compare-and-set that never
// overrides an explicit SetDefaultSketch.
TEST_P(StoreConformanceTest, ReplaceAutomaticDefaultIsACompareAndSetThatSparesExplicitChoices) {
  MakeDataset("a");
  EXPECT_EQ(TrainOne("a", SketchTask::kLowRank, 1), 1);
  {
    TrainOptions options;
    absl::StatusOr<JobRecord> job = store_->CreateJob("a", options, 0);
    ASSERT_TRUE(job.ok());
    job->state = JobState::kRunning;
    ASSERT_TRUE(store_->UpdateJob(*job).ok());
    TrainedSketch t = Sketch(SketchTask::kLowRank, 2);
    t.validation.learned_sd = 0.25 + 1e-14;
    t.validation.random_sd = 0.5;
    absl::StatusOr<SketchRecord> done = store_->CompleteJob(*job, t);
    ASSERT_TRUE(done.ok()) << done.status();
    EXPECT_EQ(done->version, 2);
  }
  absl::StatusOr<SketchRecord> v2 = store_->GetSketch("a", 2, false);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->validation.learned_sd, 0.25 + 1e-14);
  EXPECT_EQ(v2->validation.random_sd, 0.5);
  EXPECT_FALSE(v2->is_default);
  EXPECT_EQ(store_->GetSketch("a", 1, false)->validation.learned_sd, -1);  // not recorded
  EXPECT_FALSE(store_->GetSketch("a", 1, false)->default_explicit);

  // Wrong expectation: no change.
  EXPECT_FALSE(store_->ReplaceAutomaticDefault("a", 2, 7).value_or(true));
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kLowRank).value_or(0), 1);
  // Right expectation, automatic default: replaced (seen by another replica).
  EXPECT_TRUE(store_->ReplaceAutomaticDefault("a", 2, 1).value_or(false));
  EXPECT_EQ(replicas_[0]->DefaultSketchVersion("a", SketchTask::kLowRank).value_or(0), 2);
  EXPECT_FALSE(store_->GetSketch("a", 2, false)->default_explicit);
  // An explicit choice is never replaced.
  absl::StatusOr<SketchRecord> set = replicas_[0]->SetDefaultSketch("a", 1);
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->default_explicit);
  EXPECT_TRUE(store_->GetSketch("a", 1, false)->default_explicit);
  EXPECT_FALSE(store_->ReplaceAutomaticDefault("a", 2, 1).value_or(true));
  EXPECT_EQ(store_->DefaultSketchVersion("a", SketchTask::kLowRank).value_or(0), 1);
  // A second SetDefaultSketch moves the explicit flag with the pointer.
  ASSERT_TRUE(store_->SetDefaultSketch("a", 2).ok());
  EXPECT_FALSE(store_->GetSketch("a", 1, false)->default_explicit);
  EXPECT_TRUE(store_->GetSketch("a", 2, false)->default_explicit);
  EXPECT_EQ(store_->ReplaceAutomaticDefault("a", 9, 2).status().code(), absl::StatusCode::kNotFound);
}

// Replicas racing SetDefaultSketch and DeleteSketch on one dataset end with
// a consistent registry: per task, exactly one default if any sketch is
// left, and DefaultSketchVersion agrees with the listed flags.
TEST_P(StoreConformanceTest, ConcurrentDefaultAndDeleteRacesEndConsistent) {
  MakeDataset("a");
  constexpr int kSketches = 16;
  for (int i = 0; i < kSketches; ++i) {
    ASSERT_EQ(TrainOne("a", i % 2 == 0 ? SketchTask::kLowRank : SketchTask::kRegression, i), i + 1);
  }
  std::vector<std::unique_ptr<Store>>& replicas = replicas_;
  std::vector<std::thread> threads;
  std::atomic<int> unexpected{0};
  for (size_t r = 0; r < replicas.size(); ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 gen(static_cast<uint32_t>(r + 11));
      for (int step = 0; step < 40; ++step) {
        const int64_t version = 1 + static_cast<int64_t>(gen() % kSketches);
        const absl::Status s = (gen() % 4 == 0)
                                   ? replicas[r]->DeleteSketch("a", version)
                                   : replicas[r]->SetDefaultSketch("a", version).status();
        // Losing a race to a delete is the only acceptable failure.
        if (!s.ok() && !absl::IsNotFound(s)) {
          std::fprintf(stderr, "race: %s\n", std::string(s.message()).c_str());
          ++unexpected;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  for (SketchTask task : {SketchTask::kLowRank, SketchTask::kRegression}) {
    absl::StatusOr<std::vector<SketchRecord>> left = store_->ListSketches("a", task);
    ASSERT_TRUE(left.ok());
    int defaults = 0;
    int64_t flagged = 0;
    for (const SketchRecord& s : *left) {
      if (s.is_default) {
        ++defaults;
        flagged = s.version;
      }
    }
    if (left->empty()) {
      EXPECT_EQ(defaults, 0);
      EXPECT_EQ(store_->DefaultSketchVersion("a", task).status().code(),
                absl::StatusCode::kFailedPrecondition);
    } else {
      EXPECT_EQ(defaults, 1) << SketchTaskName(task);
      EXPECT_EQ(store_->DefaultSketchVersion("a", task).value_or(0), flagged);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         ::testing::Values("sqlite", "postgresql", "postgresql_blob_dir"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace sketchd
