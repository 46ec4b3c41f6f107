// The service with the MPI training backend: a job runs as `mpirun -np 2
// sketchmpi train` and stores a sketch equal to core's in process, its
// progress comes from sketchmpi, CancelJob stops the mpirun tree, greedy
// jobs equal core, the job's threads are shared by the ranks, --mpirun_args
// quoting, and the job directory is gone afterwards.
// Skipped when mpirun or sketchmpi is missing, unless CI=true.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "core/training/train_low_rank.h"
#include "core/training/train_option_table.h"
#include "core/training/trained_sketch.h"
#include "server/mpi_training_backend.h"
#include "tests/server/server_test_util.h"

namespace sketchd::testing {
namespace {

constexpr int64_t kN = 48, kD = 16;

// Live processes whose command line mentions `needle` (e.g. the work
// directory). Zombies have an empty cmdline and are not counted: Open MPI's
// mpirun exits without reaping its ranks, and reaping orphans is init's job
// (in some containers PID 1 never does).
int ProcessesMentioning(const std::string& needle) {
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::string cmd = s.str();
    for (char& c : cmd) if (c == '\0') c = ' ';
    if (cmd.find(needle) != std::string::npos && cmd.find("sketchmpi") != std::string::npos) {
      ++found;
    }
  }
  return found;
}

bool DirEmpty(const std::string& dir) {
  std::error_code ec;
  return !std::filesystem::exists(dir, ec) || std::filesystem::is_empty(dir, ec);
}

// Passes everything to the MPI backend and records the progress it reports
// (WatchJob may coalesce a fast job's updates; this sees every one).
class RecordingBackend final : public TrainingBackend {
 public:
  explicit RecordingBackend(std::shared_ptr<TrainingBackend> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return inner_->name(); }
  absl::Status CheckOptions(const TrainOptions& options) const override {
    return inner_->CheckOptions(options);
  }
  absl::StatusOr<TrainedSketch> Train(const TrainingRequest& request,
                                      const ProgressCallback& progress,
                                      const CancelToken& cancel) override {
    return inner_->Train(
        request,
        [this, &progress](double fraction, const std::string& message) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            messages_.push_back(message);
          }
          progress(fraction, message);
        },
        cancel);
  }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  std::shared_ptr<TrainingBackend> inner_;
  std::mutex mu_;
  std::vector<std::string> messages_;
};

class MpiBackendTest : public ServerFixture {
 protected:
  void SetUp() override {
    const bool ci = std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true";
    MpiTrainingBackendOptions mo;
    mo.mpirun = MPIEXEC_PATH;
    mo.sketchmpi = SKETCHMPI_PATH;
    mo.ranks = 2;
    mo.mpirun_args = {"--oversubscribe"};
    mo.kill_grace_seconds = 2;
    work_dir_ = TempDir("mpiwork");
    mo.work_dir = work_dir_;
    auto backend = MpiTrainingBackend::Create(mo);
    if (!backend.ok()) {
      if (ci) FAIL() << "MPI backend unavailable in CI: " << backend.status();
      GTEST_SKIP() << "MPI backend unavailable (install openmpi-bin and build sketchmpi): "
                   << backend.status();
    }
    // What Open MPI needs here: root in CI, one BLAS thread per rank.
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    ServerOptions o = DefaultOptions();
    recorder_ = std::make_shared<RecordingBackend>(*backend);
    o.training_backend = recorder_;
    StartServer(o);
  }
  void TearDown() override {
    ServerFixture::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
  }

  void Dataset(const std::string& name, int count, int64_t n = kN, int64_t d = kD) {
    ASSERT_TRUE(CreateDataset(name, n).ok());
    for (int i = 0; i < count; ++i) uploaded_.push_back(TestMatrix(n, d, 3, 70 + i));
    ASSERT_TRUE(Upload(name, uploaded_).ok());
  }

  static v1::TrainingOptions Options(const std::string& method) {
    v1::TrainingOptions o;
    o.set_method(method);
    o.set_task(v1::TASK_LOW_RANK);
    o.set_k(3);
    o.set_m(9);
    o.set_seed(11);
    o.set_iterations(17);
    o.set_validation_fraction(0.25);
    return o;
  }

  v1::Job Start(const std::string& dataset, const v1::TrainingOptions& options) {
    grpc::ClientContext ctx;
    v1::StartTrainingRequest req;
    req.set_dataset(dataset);
    *req.mutable_options() = options;
    v1::Job job;
    grpc::Status s = stub_->StartTraining(&ctx, req, &job);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return job;
  }

  // Watches to the end; every update's message in `messages`.
  v1::Job Watch(int64_t job_id, std::vector<std::string>* messages) {
    grpc::ClientContext ctx;
    v1::WatchJobRequest w;
    w.set_job_id(job_id);
    auto reader = stub_->WatchJob(&ctx, w);
    v1::Job update, job;
    while (reader->Read(&update)) {
      job = update;
      if (messages != nullptr) messages->push_back(update.message());
    }
    EXPECT_TRUE(reader->Finish().ok());
    return job;
  }

  std::string work_dir_;
  std::vector<RowMatrixXd> uploaded_;
  std::shared_ptr<RecordingBackend> recorder_;
};

TEST_F(MpiBackendTest, JobTrainsThroughMpirunAndEqualsCoreInProcess) {
  Dataset("frames", 8);
  const v1::Job started = Start("frames", Options("ivy"));
  std::vector<std::string> messages;
  const v1::Job job = Watch(started.job_id(), &messages);
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();

  // Progress came from sketchmpi's rank 0 (core's step lines), not only ours,
  // and WatchJob showed updates while the job ran.
  bool from_ranks = false;
  for (const std::string& m : recorder_->messages()) from_ranks |= absl::StartsWith(m, "ivy: step ");
  EXPECT_TRUE(from_ranks) << "no progress line from sketchmpi";
  EXPECT_GE(messages.size(), 2u);

  grpc::ClientContext ctx;
  v1::GetSketchRequest gs;
  gs.set_dataset("frames");
  gs.set_task(v1::TASK_LOW_RANK);
  gs.set_include_serialized(true);
  v1::GetSketchResponse exported;
  ASSERT_TRUE(ExportSketch(stub_.get(), &ctx, gs, &exported).ok());
  auto trained = ParseTrainedSketch(exported.serialized());
  ASSERT_TRUE(trained.ok()) << trained.status();

  TrainOptions options;
  options.method = TrainMethod::kIvy;
  options.task = SketchTask::kLowRank;
  options.k = 3;
  options.m = 9;
  options.seed = 11;
  options.iterations = 17;
  options.validation_fraction = 0.25;
  options.threads = 1;
  auto local = TrainLowRankSketch(uploaded_, options, nullptr, nullptr);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(trained->sketch, local->sketch);  // bitwise
  EXPECT_EQ(trained->validation.learned, local->validation.learned);
  EXPECT_TRUE(absl::StrContains(trained->notes, "2 MPI ranks")) << trained->notes;
  EXPECT_TRUE(DirEmpty(work_dir_));
}

TEST_F(MpiBackendTest, CancelJobStopsTheMpirunTree) {
  Dataset("big", 24, 400, 60);
  v1::TrainingOptions o = Options("ivy");
  o.set_iterations(1'000'000);
  const v1::Job started = Start("big", o);
  // Wait until the ranks run.
  for (int i = 0; i < 600 && ProcessesMentioning(work_dir_) < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(ProcessesMentioning(work_dir_), 2) << "sketchmpi never started";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto cancelled_at = std::chrono::steady_clock::now();
  {
    grpc::ClientContext ctx;
    v1::CancelJobRequest req;
    req.set_job_id(started.job_id());
    v1::Job resp;
    ASSERT_TRUE(stub_->CancelJob(&ctx, req, &resp).ok());
  }
  const v1::Job job = Watch(started.job_id(), nullptr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - cancelled_at).count();
  EXPECT_EQ(job.state(), v1::JOB_STATE_CANCELLED) << job.error();
  EXPECT_LT(seconds, 5);
  EXPECT_EQ(ProcessesMentioning(work_dir_), 0);
  EXPECT_TRUE(DirEmpty(work_dir_));
}

// Greedy (positions decided from per-trial losses summed over the ranks) with
// refined values, through the service: the stored sketch is core's in
// process, bitwise.
TEST_F(MpiBackendTest, GreedyJobThroughMpirunEqualsCoreInProcess) {
  Dataset("frames", 7);
  v1::TrainingOptions o = Options("greedy");
  o.set_refine_values(true);
  o.set_iterations(5);
  const v1::Job job = Watch(Start("frames", o).job_id(), nullptr);
  ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
  bool from_ranks = false;
  for (const std::string& m : recorder_->messages()) {
    from_ranks |= absl::StartsWith(m, "greedy") || absl::StartsWith(m, "greedy refine");
  }
  EXPECT_TRUE(from_ranks) << "no greedy progress line from sketchmpi";

  grpc::ClientContext ctx;
  v1::GetSketchRequest gs;
  gs.set_dataset("frames");
  gs.set_task(v1::TASK_LOW_RANK);
  gs.set_include_serialized(true);
  v1::GetSketchResponse exported;
  ASSERT_TRUE(ExportSketch(stub_.get(), &ctx, gs, &exported).ok());
  auto trained = ParseTrainedSketch(exported.serialized());
  ASSERT_TRUE(trained.ok()) << trained.status();

  TrainOptions options;
  options.method = TrainMethod::kGreedy;
  options.task = SketchTask::kLowRank;
  options.k = 3;
  options.m = 9;
  options.seed = 11;
  options.iterations = 5;
  options.refine_values = true;
  options.validation_fraction = 0.25;
  options.threads = 1;
  auto local = TrainLowRankSketch(uploaded_, options, nullptr, nullptr);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_NE(local->sketch, *CountSketch::Random(9, kN, 11));  // greedy did something
  EXPECT_EQ(trained->sketch, local->sketch);  // bitwise
  EXPECT_EQ(trained->validation.learned, local->validation.learned);
  EXPECT_TRUE(absl::StrContains(trained->notes, "2 MPI ranks")) << trained->notes;
  EXPECT_TRUE(DirEmpty(work_dir_));
}

// Every method and a time budget are accepted by StartTraining now.
TEST_F(MpiBackendTest, SubspaceAndTimeBudgetAreAccepted) {
  for (const char* method : {"greedy", "subspace", "ivy"}) {
    TrainOptions options;
    options.method = *ParseTrainMethod(method);
    options.time_budget_seconds = 5;
    EXPECT_TRUE(recorder_->CheckOptions(options).ok()) << method;
  }
}

class VectorMatrices final : public TrainingMatrices {
 public:
  explicit VectorMatrices(std::vector<RowMatrixXd> m) : m_(std::move(m)) {}
  int64_t count() const override { return static_cast<int64_t>(m_.size()); }
  absl::StatusOr<RowMatrixXd> Next() override { return m_.at(next_++); }

 private:
  std::vector<RowMatrixXd> m_;
  size_t next_ = 0;
};

// A failing sketchmpi (a script exiting 4, "input error", as sketchmpi does
// for an unreadable file): the job error is FAILED_PRECONDITION with its words.
TEST_F(MpiBackendTest, FailingRunMapsExitCodeAndCarriesItsOutput) {
  const std::string script = work_dir_ + "/../fake_sketchmpi_" + std::to_string(::getpid());
  {
    std::ofstream f(script);
    f << "#!/bin/sh\necho 'fake: cannot read matrices/m000000000.npy' >&2\nexit 4\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  MpiTrainingBackendOptions mo;
  mo.mpirun = MPIEXEC_PATH;
  mo.sketchmpi = script;
  mo.ranks = 1;
  mo.mpirun_args = {"--oversubscribe"};
  mo.work_dir = work_dir_;
  auto backend = MpiTrainingBackend::Create(mo);
  ASSERT_TRUE(backend.ok()) << backend.status();
  VectorMatrices matrices({TestMatrix(kN, kD, 3, 1), TestMatrix(kN, kD, 3, 2)});
  TrainingRequest req;
  req.job_id = 7;
  req.options.method = TrainMethod::kIvy;
  req.options.k = 3;
  req.options.m = 9;
  req.matrices = &matrices;
  CancelToken cancel;
  auto result = (*backend)->Train(req, nullptr, cancel);
  std::filesystem::remove(script);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(), "cannot read matrices/m000000000.npy"))
      << result.status();
  EXPECT_FALSE(absl::StrContains(result.status().message(), "Primary job")) << result.status();
  EXPECT_TRUE(DirEmpty(work_dir_));
}

// A rank that ignores SIGTERM (as a rank stuck in a system call would):
// after the grace period the backend SIGKILLs mpirun and every descendant it
// saw, returns CANCELLED, and nothing of the tree is left.
TEST_F(MpiBackendTest, CancelKillsRanksThatIgnoreSigterm) {
  const std::string tag = "stubborn_sketchmpi_" + std::to_string(::getpid());
  const std::string script = (std::filesystem::temp_directory_path() / tag).string();
  {
    std::ofstream f(script);
    f << "#!/bin/sh\ntrap '' TERM\necho '{\"progress\":0.25,\"message\":\"stubborn\"}' >&2\n"
         "sleep 120\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  MpiTrainingBackendOptions mo;
  mo.mpirun = MPIEXEC_PATH;
  mo.sketchmpi = script;
  mo.ranks = 2;
  mo.mpirun_args = {"--oversubscribe"};
  mo.work_dir = work_dir_;
  mo.kill_grace_seconds = 1;
  auto backend = MpiTrainingBackend::Create(mo);
  ASSERT_TRUE(backend.ok()) << backend.status();
  VectorMatrices matrices({TestMatrix(kN, kD, 3, 1)});
  TrainingRequest req;
  req.job_id = 8;
  req.options.method = TrainMethod::kIvy;
  req.options.k = 3;
  req.options.m = 9;
  req.matrices = &matrices;
  CancelToken cancel;
  std::atomic<bool> progressed{false};
  std::thread canceller([&] {
    for (int i = 0; i < 600 && !progressed.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = (*backend)->Train(
      req,
      [&](double f, const std::string& m) {
        if (m == "stubborn" && f == 0.25) progressed.store(true);
      },
      cancel);
  canceller.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int left = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    left += text.str().find(tag) != std::string::npos;
  }
  std::filesystem::remove(script);
  EXPECT_TRUE(progressed.load());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled) << result.status();
  EXPECT_LT(seconds, 30);
  EXPECT_EQ(left, 0) << "processes of the cancelled run remain";
  EXPECT_TRUE(DirEmpty(work_dir_));
}

// The daemon checks its MPI binaries at start-up: a clean message, exit 1.
TEST(SketchdMpiFlagsTest, MissingBinariesStopTheDaemonAtStartup) {
  const std::string dir = TempDir("mpiflags");
  const auto run = [&](const std::string& flags, std::string* err) {
    const std::string errfile = dir + "/stderr.txt";
    const std::string cmd = std::string(SKETCHD_PATH) + " --listen 127.0.0.1:0 --data_dir " + dir +
                            "/data " + flags + " 2>" + errfile;
    const int status = std::system(cmd.c_str());
    std::ifstream in(errfile);
    std::stringstream text;
    text << in.rdbuf();
    *err = text.str();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string err;
  EXPECT_EQ(run("--train_backend mpi --sketchmpi /nonexistent/sketchmpi", &err), 1);
  EXPECT_TRUE(absl::StrContains(
      err, "--train_backend mpi: --sketchmpi: '/nonexistent/sketchmpi' is not an executable file"))
      << err;
  EXPECT_EQ(run("--train_backend mpi --mpirun no-such-mpirun-here", &err), 1);
  EXPECT_TRUE(absl::StrContains(err, "--mpirun: 'no-such-mpirun-here' not found in PATH")) << err;
  EXPECT_EQ(run("--train_backend bogus", &err), 1);
  EXPECT_TRUE(absl::StrContains(err, "--train_backend must be 'inprocess' or 'mpi'")) << err;
  std::filesystem::remove_all(dir);
}

TEST(SketchmpiTrainFlagsTest, EveryOptionTableRowBecomesAFlag) {
  TrainOptions options;
  options.refine_values = true;
  const std::vector<std::string> flags = SketchmpiTrainFlags(options);
  const size_t rows = TrainOptionTable().size();
  size_t named = 0;
  for (const std::string& f : flags) named += absl::StartsWith(f, "--");
  EXPECT_EQ(named, rows);
  EXPECT_NE(std::find(flags.begin(), flags.end(), "--refine-values"), flags.end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "--iterations"), flags.end());
}

// The job's threads are shared by the ranks of one mpirun: never more than
// the job's threads in all, never fewer than one per rank.
TEST(ThreadsPerRankTest, SharesTheJobsThreadsAmongTheRanks) {
  for (int threads : {1, 2, 3, 8, 17}) {
    for (int ranks : {1, 2, 3, 4, 16}) {
      const int each = ThreadsPerRank(threads, ranks);
      EXPECT_GE(each, 1);
      if (threads >= ranks) {
        EXPECT_LE(each * ranks, threads);
        EXPECT_GT((each + 1) * ranks, threads);
      } else {
        EXPECT_EQ(each, 1);
      }
    }
  }
  EXPECT_GE(ThreadsPerRank(0, 2), 1);  // 0: this machine's threads
}

// The flags the backend passes: --threads divided by the ranks (a fake
// sketchmpi records its arguments, as each rank is started with them).
TEST(ThreadsPerRankTest, EachRankIsStartedWithItsShare) {
  const bool ci = std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true";
  const std::string dir = TempDir("mpithreads");
  const std::string script = dir + "/fake_sketchmpi";
  const std::string record = dir + "/args.txt";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\necho \"$@\" >> " << record << "\nexit 0\n";  // no sketch: an error
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  MpiTrainingBackendOptions mo;
  mo.mpirun = MPIEXEC_PATH;
  mo.sketchmpi = script;
  mo.ranks = 2;
  mo.mpirun_args = {"--oversubscribe"};
  mo.work_dir = dir + "/work";
  auto backend = MpiTrainingBackend::Create(mo);
  if (!backend.ok()) {
    if (ci) FAIL() << backend.status();
    GTEST_SKIP() << backend.status();
  }
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  VectorMatrices matrices({TestMatrix(kN, kD, 3, 1)});
  TrainingRequest req;
  req.options.method = TrainMethod::kIvy;
  req.options.threads = 6;
  req.matrices = &matrices;
  CancelToken cancel;
  EXPECT_FALSE((*backend)->Train(req, nullptr, cancel).ok());
  std::ifstream in(record);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_TRUE(absl::StrContains(line, "--threads 3 ")) << line;
  }
  EXPECT_EQ(lines, 2);
  std::filesystem::remove_all(dir);
}

TEST(SplitMpirunArgsTest, QuotesAndEscapesLikeAShellWithoutExpansion) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"", {}},
      {"   ", {}},
      {"--oversubscribe  --hostfile hosts", {"--oversubscribe", "--hostfile", "hosts"}},
      {"--hostfile 'my hosts'", {"--hostfile", "my hosts"}},
      {"-x \"A=1 2\" -x B", {"-x", "A=1 2", "-x", "B"}},
      {"--mca=\"a b\"'c d'e", {"--mca=a bc de"}},
      {"'$HOME \\n' \"\\\" \\\\\"", {"$HOME \\n", "\" \\"}},
      {"a\\ b \"\" ''", {"a b", "", ""}},
  };
  for (const auto& [text, want] : cases) {
    auto got = SplitMpirunArgs(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, want) << text;
  }
}

TEST(SplitMpirunArgsTest, UnterminatedQuoteOrTrailingBackslashIsAPreciseError) {
  auto single = SplitMpirunArgs("--hostfile 'my hosts");
  EXPECT_EQ(single.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(single.status().message(),
                                "single quote at character 12 is never closed"))
      << single.status();
  auto dbl = SplitMpirunArgs("-x \"A=1");
  EXPECT_TRUE(absl::StrContains(dbl.status().message(), "double quote at character 4"))
      << dbl.status();
  auto slash = SplitMpirunArgs("--x a\\");
  EXPECT_EQ(slash.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(slash.status().message(), "backslash at the end")) << slash.status();
}

// At start-up: sketchd refuses an unterminated quote in --mpirun_args with
// the position, before anything runs.
TEST(SketchdMpiFlagsTest, UnterminatedQuoteInMpirunArgsStopsTheDaemon) {
  const std::string dir = TempDir("mpiquote");
  const std::string errfile = dir + "/stderr.txt";
  const std::string cmd = std::string(SKETCHD_PATH) + " --listen 127.0.0.1:0 --data_dir " + dir +
                          "/data --train_backend mpi --mpirun " + MPIEXEC_PATH + " --sketchmpi " +
                          SKETCHMPI_PATH + " \"--mpirun_args=--hostfile 'my hosts\" 2>" + errfile;
  const int status = std::system(cmd.c_str());
  std::ifstream in(errfile);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << text.str();
  EXPECT_TRUE(absl::StrContains(text.str(), "--mpirun_args: the single quote at character 12 is "
                                            "never closed"))
      << text.str();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sketchd::testing
