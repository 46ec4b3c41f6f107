// sketchmpi train and IHS under a real mpirun (1, 2, 3 ranks, more ranks than
// files or rows, float32, a file one rank cannot read), compared with core's
// single-process TrainLowRankSketch / TrainRegressionSketch /
// IterativeHessianSketch for the same options.
//
// Training is bitwise equal to core by construction (exact sums of
// one-owner values, ordered sums in core's order; mpi/distributed_train.h):
// the tests ask for ≤ 1e-12 relative and print the largest difference seen.
// IHS differs from core by the order of the sums over rows: least squares
// ≤ 1e-10 relative in x; LASSO ≤ 1e-12 in the objective — its x is only
// determined to ~√eps along the flat directions of the objective at the
// stopping point, so x is held to 1e-6.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/json.h"
#include "client/matrix_inputs.h"
#include "core/io/npy.h"
#include "core/regression/data_matrix.h"
#include "core/regression/heavy_rows_sketch.h"
#include "core/regression/ihs.h"
#include "core/regression/train_regression.h"
#include "core/sketch/philox.h"
#include "core/training/subspace_sketch.h"
#include "core/training/train_low_rank.h"
#include "core/training/trained_sketch.h"
#include "tests/mpi/mpirun_fixture.h"

namespace sketchd {
namespace {

using mpi_test::ReadText;
using mpi_test::RunResult;

class SketchmpiTrainTest : public mpi_test::MpirunFixture {};

double Gauss(uint64_t seed, uint64_t i) { return PhiloxStandardNormal(seed, 9, i); }

// A family sharing a rank-4 row space, plus noise: what learned sketches are for.
std::vector<RowMatrixXd> Family(int count, int64_t n, int64_t d, uint64_t seed) {
  RowMatrixXd basis(n, 4);
  for (int64_t i = 0; i < basis.size(); ++i) basis.data()[i] = Gauss(seed, i);
  std::vector<RowMatrixXd> out;
  for (int c = 0; c < count; ++c) {
    RowMatrixXd mix(4, d), noise(n, d);
    for (int64_t i = 0; i < mix.size(); ++i) mix.data()[i] = Gauss(seed + 1 + c, i);
    for (int64_t i = 0; i < noise.size(); ++i) noise.data()[i] = 0.05 * Gauss(seed + 100 + c, i);
    out.push_back(basis * mix + noise);
  }
  return out;
}

double RelativeDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

double Rel(double a, double b) { return b != 0 ? std::abs(a - b) / std::abs(b) : std::abs(a); }

TrainedSketch ReadSketch(const std::string& path) {
  auto parsed = ParseTrainedSketch(ReadText(path));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : TrainedSketch();
}

// The learned sketch and its figures against core's; returns the largest
// relative difference.
double ExpectSameSketch(const TrainedSketch& got, const TrainedSketch& want) {
  EXPECT_EQ(got.sketch.rows(), want.sketch.rows());
  EXPECT_EQ(got.sketch.positions(), want.sketch.positions());
  EXPECT_EQ(got.heavy_rows, want.heavy_rows);
  EXPECT_EQ(got.n, want.n);
  EXPECT_EQ(got.d, want.d);
  EXPECT_EQ(got.options.method, want.options.method);
  EXPECT_EQ(got.options.iterations, want.options.iterations);
  EXPECT_EQ(got.validation.num_matrices, want.validation.num_matrices);
  EXPECT_EQ(got.validation.metric, want.validation.metric);
  double worst = 0;
  if (got.sketch.values().size() == want.sketch.values().size()) {
    worst = RelativeDifference(got.sketch.values(), want.sketch.values());
  } else {
    ADD_FAILURE() << "value counts differ";
  }
  if (got.dense.rows() == want.dense.rows() && got.dense.cols() == want.dense.cols()) {
    const std::vector<double> g(got.dense.data(), got.dense.data() + got.dense.size());
    const std::vector<double> w(want.dense.data(), want.dense.data() + want.dense.size());
    worst = std::max(worst, RelativeDifference(g, w));
  } else {
    ADD_FAILURE() << "dense sketch shapes differ";
  }
  worst = std::max({worst, Rel(got.validation.learned, want.validation.learned),
                    Rel(got.validation.random, want.validation.random)});
  EXPECT_LE(worst, 1e-12);
  return worst;
}

std::string Files(const SketchmpiTrainTest& t, const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) absl::StrAppend(&out, " ", t.Path(n));
  return out;
}

TEST_F(SketchmpiTrainTest, LowRankMethodsOnOneTwoAndThreeRanksEqualCore) {
  const std::vector<RowMatrixXd> family = Family(6, 50, 14, 1);
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    names.push_back(absl::StrCat("t", i, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), family[i]).ok());
  }
  const struct {
    const char* flags;
    TrainMethod method;
    bool refine;
    int batch = 0;
    double learning_rate = 0;
  } cases[] = {
      {"--method ivy --iters 12", TrainMethod::kIvy, false},
      // A minibatch smaller than the set: members drawn across ranks.
      {"--method ivy --iters 12 --batch-size 2 --learning-rate 0.1", TrainMethod::kIvy, false, 2, 0.1},
      {"--method mixed --iters 8", TrainMethod::kMixed, false},
      {"--method inner_product --refine-values --iters 8", TrainMethod::kInnerProduct, true},
      {"--method inner_product", TrainMethod::kInnerProduct, false},
      {"--method random", TrainMethod::kRandom, false},
  };
  double worst = 0;
  for (const auto& c : cases) {
    TrainOptions options;
    options.method = c.method;
    options.k = 3;
    options.m = 9;
    options.seed = 5;
    options.iterations = c.method == TrainMethod::kRandom || (c.method == TrainMethod::kInnerProduct && !c.refine)
                             ? 0
                             : (c.method == TrainMethod::kIvy ? 12 : 8);
    options.refine_values = c.refine;
    options.batch_size = c.batch;
    options.learning_rate = c.learning_rate;
    options.threads = 1;
    const std::vector<RowMatrixXd> six(family.begin(), family.begin() + 6);
    auto want = TrainLowRankSketch(six, options, {}, nullptr);
    ASSERT_TRUE(want.ok()) << want.status();
    for (int ranks : {1, 2, 3}) {
      SCOPED_TRACE(absl::StrCat(c.flags, " on ", ranks, " ranks"));
      const RunResult run = Sketchmpi(ranks, absl::StrCat(
          "train ", c.flags, " --k 3 --m 9 --seed 5 --threads 1 --out ", Path("s.sketch"),
          Files(*this, names)));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      worst = std::max(worst, ExpectSameSketch(ReadSketch(Path("s.sketch")), *want));
    }
  }
  std::printf("largest relative difference from core (sketch values, figures): %.3g\n", worst);
}

// Bitwise: the same run twice on 3 ranks gives the same values and figures.
TEST_F(SketchmpiTrainTest, TrainingIsBitwiseReproducibleForAFixedRankCount) {
  const std::vector<RowMatrixXd> family = Family(5, 40, 10, 2);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.push_back(absl::StrCat("t", i, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), family[i]).ok());
  }
  std::vector<TrainedSketch> runs;
  for (int r = 0; r < 2; ++r) {
    const RunResult run = Sketchmpi(3, absl::StrCat("train --method ivy --iters 10 --k 2 --m 6 --out ",
                                                    Path("s.sketch"), Files(*this, names)));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    runs.push_back(ReadSketch(Path("s.sketch")));
  }
  EXPECT_EQ(runs[0].sketch, runs[1].sketch);
  EXPECT_EQ(runs[0].validation.learned, runs[1].validation.learned);
  EXPECT_EQ(runs[0].validation.random, runs[1].validation.random);
}

// Two files on three ranks: rank 0 reads none (⌊2·0/3⌋ = ⌊2·1/3⌋ = 0). One
// file is float32 (converted to double on read, as by core's readers), the
// other a 3-D stack of three matrices (a file is a family, as in sketchctl).
TEST_F(SketchmpiTrainTest, MoreRanksThanFilesAndFloat32Files) {
  const std::vector<RowMatrixXd> family = Family(4, 30, 8, 3);
  const NpyWriteOptions f32{ElementType::kFloat32, false};
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), family[0], f32).ok());
  ASSERT_TRUE(WriteMatrices(Path("b.npy"), {family[1], family[2], family[3]}).ok());
  std::vector<RowMatrixXd> rounded = {*ReadNpyMatrix(Path("a.npy")), family[1], family[2],
                                      family[3]};
  TrainOptions options;
  options.method = TrainMethod::kIvy;
  options.k = 2;
  options.m = 5;
  options.iterations = 6;
  options.threads = 1;
  auto want = TrainLowRankSketch(rounded, options, {}, nullptr);
  ASSERT_TRUE(want.ok()) << want.status();
  const RunResult run = Sketchmpi(3, absl::StrCat("train --method ivy --iters 6 --k 2 --m 5 --threads 1 --out ",
                                                  Path("s.sketch"), " ", Path("a.npy"), " ",
                                                  Path("b.npy")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectSameSketch(ReadSketch(Path("s.sketch")), *want);
}

TEST_F(SketchmpiTrainTest, HeavyRowsOnOneTwoAndThreeRanksEqualsCore) {
  std::vector<RowMatrixXd> stacked;
  std::vector<RegressionProblem> problems;
  std::vector<std::string> names;
  for (int p = 0; p < 5; ++p) {
    RowMatrixXd ab(120, 5);
    for (int64_t i = 0; i < ab.size(); ++i) ab.data()[i] = Gauss(40 + p, i);
    for (int64_t r = 0; r < 6; ++r) ab.row(r * 7) *= 20;  // shared high-leverage rows
    names.push_back(absl::StrCat("r", p, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), ab).ok());
    problems.push_back({ab.leftCols(4), ab.col(4)});
  }
  for (const bool learn : {false, true}) {
    TrainOptions options;
    options.task = SketchTask::kRegression;
    options.method = TrainMethod::kHeavyRows;
    options.m = 24;
    options.seed = 3;
    options.threads = 1;
    options.learn_values = learn;
    options.iterations = learn ? 12 : 0;
    options.batch_size = learn ? 2 : 0;  // members spread over ranks
    auto want = TrainRegressionSketch(problems, options, {}, nullptr);
    ASSERT_TRUE(want.ok()) << want.status();
    ASSERT_FALSE(want->heavy_rows.empty());
    for (int ranks : {1, 2, 3}) {
      SCOPED_TRACE(absl::StrCat(learn ? "learned values" : "heavy rows only", " on ", ranks, " ranks"));
      const RunResult run = Sketchmpi(ranks, absl::StrCat(
          "train --task regression --method heavy_rows --m 24 --seed 3 ",
          learn ? "--learn-values --iters 12 --batch-size 2 " : "", "--out ", Path("h.sketch"),
          Files(*this, names)));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const TrainedSketch got = ReadSketch(Path("h.sketch"));
      ExpectSameSketch(got, *want);
      if (learn) {
        EXPECT_NE(got.sketch.values(), HeavyRowsSketch(24, 120, want->heavy_rows, 3)->values());
      }
    }
  }
}

// A file rank 1 cannot parse (rank 1 reads the last two of three files):
// every rank exits 4, the message names rank 1 and the file, no hang.
TEST_F(SketchmpiTrainTest, AFileOneRankCannotReadFailsEveryRankCleanly) {
  const std::vector<RowMatrixXd> family = Family(2, 20, 6, 4);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), family[0]).ok());
  ASSERT_TRUE(WriteNpyMatrix(Path("b.npy"), family[1]).ok());
  {
    std::ofstream bad(Path("c.npy"), std::ios::binary);
    bad << "this is not an npy file";
  }
  const RunResult run = Sketchmpi(2, absl::StrCat("train --method ivy --k 2 --m 4 --out ",
                                                  Path("s.sketch"), Files(*this, {"a.npy", "b.npy", "c.npy"})));
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_NE(run.err.find("rank 1: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("c.npy"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(Path("s.sketch")));
  EXPECT_LT(run.seconds, mpi_test::kTimeoutSeconds - 5);
}

// Greedy (the per-trial losses of subsample members on different ranks
// summed, so every rank moves the same column the same way), greedy with
// refined values, and subspace (Σ AᵢAᵢᵀ as a running sum through the ranks).
TEST_F(SketchmpiTrainTest, GreedyAndSubspaceOnOneTwoAndThreeRanksEqualCore) {
  const std::vector<RowMatrixXd> family = Family(7, 40, 12, 11);
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) {
    names.push_back(absl::StrCat("t", i, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), family[i]).ok());
  }
  const struct {
    const char* flags;
    TrainMethod method;
    int iterations = 0;
    bool refine = false;
    int batch = 0;
    bool leverage = false;
  } cases[] = {
      {"--method greedy", TrainMethod::kGreedy},
      // Two passes over a subsample of 3 of the 6 training matrices.
      {"--method greedy --iters 2 --batch-size 3", TrainMethod::kGreedy, 2, false, 3},
      {"--method greedy --greedy-leverage-order", TrainMethod::kGreedy, 0, false, 0, true},
      {"--method greedy --refine-values --iters 6", TrainMethod::kGreedy, 6, true},
      {"--method subspace", TrainMethod::kSubspace},
  };
  double worst = 0;
  for (const auto& c : cases) {
    TrainOptions options;
    options.method = c.method;
    options.k = 3;
    options.m = 8;
    options.seed = 7;
    options.iterations = c.iterations;
    options.refine_values = c.refine;
    options.batch_size = c.batch;
    options.greedy_leverage_order = c.leverage;
    options.threads = 1;
    auto want = TrainLowRankSketch(family, options, {}, nullptr);
    ASSERT_TRUE(want.ok()) << want.status();
    for (int ranks : {1, 2, 3}) {
      SCOPED_TRACE(absl::StrCat(c.flags, " on ", ranks, " ranks"));
      const RunResult run = Sketchmpi(ranks, absl::StrCat(
          "train ", c.flags, " --k 3 --m 8 --seed 7 --threads 1 --out ", Path("s.sketch"),
          Files(*this, names)));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const TrainedSketch got = ReadSketch(Path("s.sketch"));
      worst = std::max(worst, ExpectSameSketch(got, *want));
      if (c.method == TrainMethod::kGreedy) {
        // Greedy moved something: the sketch is not its random start.
        EXPECT_NE(got.sketch.positions(), CountSketch::Random(8, 40, 7)->positions());
      } else {
        EXPECT_EQ(got.dense.rows(), 8);
      }
      EXPECT_EQ(got.validation.learned_sd, want->validation.learned_sd);
    }
  }
  std::printf("greedy, subspace: largest relative difference from core: %.3g\n", worst);
}

// n above the size where subspace forms Σ AᵢAᵢᵀ: the randomized range finder,
// whose every G·X is a running sum through the ranks.
TEST_F(SketchmpiTrainTest, SubspaceRangeFinderOnTwoAndThreeRanksEqualsCore) {
  const int64_t n = kSubspaceGramMaxRows + 60;
  const std::vector<RowMatrixXd> family = Family(4, n, 6, 12);
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) {
    names.push_back(absl::StrCat("t", i, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), family[i]).ok());
  }
  TrainOptions options;
  options.method = TrainMethod::kSubspace;
  options.k = 2;
  options.m = 5;
  options.seed = 3;
  options.threads = 1;
  auto want = TrainLowRankSketch(family, options, {}, nullptr);
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_NE(want->notes.find("range finder"), std::string::npos) << want->notes;
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(absl::StrCat(ranks, " ranks"));
    const RunResult run = Sketchmpi(ranks, absl::StrCat(
        "train --method subspace --k 2 --m 5 --seed 3 --threads 1 --out ", Path("s.sketch"),
        Files(*this, names)));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ExpectSameSketch(ReadSketch(Path("s.sketch")), *want);
  }
}

// A wall-clock budget far below what the requested work takes: rank 0's
// clock decides at every step for all ranks, so all stop at the same step
// (ranks that disagreed would wait forever in the next sum and the run
// would hit the harness's timeout) and the result is a valid, usable sketch.
TEST_F(SketchmpiTrainTest, TimeBudgetStopsEveryRankAtTheSameStep) {
  const std::vector<RowMatrixXd> family = Family(6, 60, 16, 13);
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    names.push_back(absl::StrCat("t", i, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), family[i]).ok());
  }
  for (const char* flags : {"--method ivy --iters 1000000", "--method greedy --iters 100000",
                            "--method greedy --refine-values --iters 1000000"}) {
    SCOPED_TRACE(flags);
    const RunResult run = Sketchmpi(3, absl::StrCat(
        "train ", flags, " --time-budget 1 --k 3 --m 8 --threads 1 --out ", Path("s.sketch"),
        Files(*this, names)));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_LT(run.seconds, mpi_test::kTimeoutSeconds / 2) << run.err;
    const TrainedSketch got = ReadSketch(Path("s.sketch"));
    EXPECT_NE(got.notes.find("time budget"), std::string::npos) << got.notes;
    ASSERT_EQ(got.sketch.rows(), 8);
    ASSERT_EQ(got.sketch.cols(), 60);
    for (int32_t p : got.sketch.positions()) {
      EXPECT_GE(p, 0);
      EXPECT_LT(p, 8);
    }
    for (double v : got.sketch.values()) EXPECT_TRUE(std::isfinite(v));
    EXPECT_GT(got.validation.num_matrices, 0);
    EXPECT_TRUE(std::isfinite(got.validation.learned));
    EXPECT_TRUE(std::isfinite(got.validation.random));
  }
}

// Regression value learning under a budget, likewise.
TEST_F(SketchmpiTrainTest, TimeBudgetStopsRegressionValueLearningOnEveryRank) {
  std::vector<std::string> names;
  for (int p = 0; p < 4; ++p) {
    RowMatrixXd ab(200, 6);
    for (int64_t i = 0; i < ab.size(); ++i) ab.data()[i] = Gauss(60 + p, i);
    names.push_back(absl::StrCat("r", p, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), ab).ok());
  }
  const RunResult run = Sketchmpi(3, absl::StrCat(
      "train --task regression --method heavy_rows --learn-values --iters 1000000 "
      "--time-budget 1 --m 30 --out ", Path("h.sketch"), Files(*this, names)));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(run.seconds, mpi_test::kTimeoutSeconds / 2) << run.err;
  const TrainedSketch got = ReadSketch(Path("h.sketch"));
  EXPECT_NE(got.notes.find("time budget"), std::string::npos) << got.notes;
  for (double v : got.sketch.values()) EXPECT_TRUE(std::isfinite(v));
}

// Core's checks of the matrices run where the matrices are (rank 0 holds
// none of two files on three ranks): k above min(n, d) fails every rank
// with the lowest failing rank's precise message, no hang, no file.
TEST_F(SketchmpiTrainTest, GreedyAndSubspaceWithKAboveTheMatricesFailEveryRankCleanly) {
  const std::vector<RowMatrixXd> family = Family(2, 40, 6, 14);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), family[0]).ok());
  ASSERT_TRUE(WriteNpyMatrix(Path("b.npy"), family[1]).ok());
  for (const char* method : {"greedy", "subspace"}) {
    SCOPED_TRACE(method);
    const RunResult run = Sketchmpi(3, absl::StrCat("train --method ", method, " --k 8 --m 20 --out ",
                                                    Path("s.sketch"), Files(*this, {"a.npy", "b.npy"})));
    EXPECT_EQ(run.exit_code, 4) << run.err;
    EXPECT_NE(run.err.find("rank 1: rank k=8 exceeds min(n, d)=6 of training matrix 0 (40x6)"),
              std::string::npos)
        << run.err;
    EXPECT_FALSE(std::filesystem::exists(Path("s.sketch")));
    EXPECT_LT(run.seconds, mpi_test::kTimeoutSeconds - 5);
  }
}

TEST_F(SketchmpiTrainTest, BadTimeBudgetIsAUsageError) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), Family(1, 20, 6, 5)[0]).ok());
  const RunResult run = Sketchmpi(2, absl::StrCat("train --method ivy --time-budget -1 --k 2 --m 4 --out ",
                                                  Path("s.sketch"), " ", Path("a.npy")));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("time-budget"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(Path("s.sketch")));
}

TEST_F(SketchmpiTrainTest, ProgressLinesAreJson) {
  const std::vector<RowMatrixXd> family = Family(3, 20, 6, 6);
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    names.push_back(absl::StrCat("t", i, ".npy"));
    ASSERT_TRUE(WriteNpyMatrix(Path(names.back()), family[i]).ok());
  }
  const RunResult run = Sketchmpi(2, absl::StrCat("train --method ivy --iters 5 --k 2 --m 4 --progress-fd 2 --out ",
                                                  Path("s.sketch"), Files(*this, names)));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  int lines = 0;
  size_t start = 0;
  while (start < run.err.size()) {
    const size_t end = run.err.find('\n', start);
    const std::string line = run.err.substr(start, end - start);
    start = end == std::string::npos ? run.err.size() : end + 1;
    if (line.rfind("{\"progress\"", 0) != 0) continue;
    auto json = Json::Parse(line);
    ASSERT_TRUE(json.ok()) << line;
    ++lines;
  }
  EXPECT_GE(lines, 3);
  EXPECT_NE(run.err.find("\"message\":\"done\""), std::string::npos) << run.err;
}

// ----- IHS -----

struct Problem {
  RowMatrixXd a;
  VectorXd b;
};

Problem MakeProblem(int64_t n, int64_t d, uint64_t seed) {
  Problem p{RowMatrixXd(n, d), VectorXd(n)};
  for (int64_t i = 0; i < p.a.size(); ++i) p.a.data()[i] = Gauss(seed, i);
  for (int64_t i = 0; i < n; ++i) p.b(i) = Gauss(seed + 1, i) + p.a.row(i).sum();
  return p;
}

absl::StatusOr<SolveResult> CoreIhs(const Problem& p, std::optional<double> lasso, int64_t m,
                                    uint64_t seed) {
  IhsOptions io;
  io.mode = IhsSketchMode::kFresh;
  io.fresh.kind = SketchKind::kCountSketch;
  io.fresh.m = m;
  io.fresh.seed = seed;
  io.lasso_lambda = lasso;
  return IterativeHessianSketch(DataMatrix(p.a, 1), p.b, io);
}

TEST_F(SketchmpiTrainTest, IhsOnOneTwoAndThreeRanksEqualsCore) {
  const Problem p = MakeProblem(403, 7, 20);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), p.a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), p.b).ok());
  double worst_ls = 0, worst_lasso_x = 0, worst_lasso_f = 0;
  for (std::optional<double> lasso : {std::optional<double>(), std::optional<double>(2.5)}) {
    auto want = CoreIhs(p, lasso, 56, 9);
    ASSERT_TRUE(want.ok()) << want.status();
    for (int ranks : {1, 2, 3}) {
      SCOPED_TRACE(absl::StrCat(lasso ? "lasso" : "ls", " on ", ranks, " ranks"));
      const RunResult run = Sketchmpi(ranks, absl::StrCat(
          "--json solve --sketch random --seed 9 --solver ihs ", lasso ? "--lasso 2.5 " : "",
          Path("a.npy"), " ", Path("b.npy"), " --out ", Path("x.npy")));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const VectorXd x = ReadNpyMatrix(Path("x.npy"))->col(0);
      const double dx = (x - want->x).norm() / want->x.norm();
      auto json = Json::Parse(run.out);
      ASSERT_TRUE(json.ok()) << run.out;
      const double df = Rel(json->Find("residual_norm")->as_number(), want->residual_norm);
      if (lasso) {
        EXPECT_LE(std::abs(x.lpNorm<1>()), 2.5 * (1 + 1e-12));
        EXPECT_LE(dx, 1e-6);
        EXPECT_LE(df, 1e-12);
        worst_lasso_x = std::max(worst_lasso_x, dx);
        worst_lasso_f = std::max(worst_lasso_f, df);
      } else {
        EXPECT_LE(dx, 1e-10);
        EXPECT_LE(df, 1e-12);
        worst_ls = std::max(worst_ls, dx);
      }
    }
  }
  std::printf("IHS vs core: LS x %.3g; LASSO x %.3g, residual %.3g (relative)\n", worst_ls,
              worst_lasso_x, worst_lasso_f);
}

// 3 rows on 4 ranks (rank 0 empty), float32 A: still core's answer.
TEST_F(SketchmpiTrainTest, IhsWithEmptyRanksAndFloat32) {
  const Problem p = MakeProblem(3, 2, 21);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), p.a, NpyWriteOptions{ElementType::kFloat32, false}).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), p.b).ok());
  Problem rounded{*ReadNpyMatrix(Path("a.npy")), p.b};
  auto want = CoreIhs(rounded, std::nullopt, 3, 1);
  ASSERT_TRUE(want.ok()) << want.status();
  const RunResult run = Sketchmpi(4, absl::StrCat("solve --sketch random --seed 1 --solver ihs ",
                                                  Path("a.npy"), " ", Path("b.npy"), " --out ",
                                                  Path("x.npy")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const VectorXd x = ReadNpyMatrix(Path("x.npy"))->col(0);
  EXPECT_LE((x - want->x).norm() / want->x.norm(), 1e-10);
}

TEST_F(SketchmpiTrainTest, IhsIsBitwiseReproducibleForAFixedRankCount) {
  const Problem p = MakeProblem(200, 5, 22);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), p.a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), p.b).ok());
  for (const char* tag : {"1", "2"}) {
    const RunResult run = Sketchmpi(3, absl::StrCat("solve --sketch random --seed 2 --solver ihs --lasso 1.5 ",
                                                    Path("a.npy"), " ", Path("b.npy"), " --out ",
                                                    Path(absl::StrCat("x", tag, ".npy"))));
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  EXPECT_EQ(ReadText(Path("x1.npy")), ReadText(Path("x2.npy")));
}

// IHS where rank 1 is given a path it cannot read (MPMD launch): exit 4 on
// every rank, the message names rank 1 and the file, no hang.
TEST_F(SketchmpiTrainTest, IhsWithAFileOneRankCannotReadFailsEveryRankCleanly) {
  const Problem p = MakeProblem(60, 3, 25);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), p.a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), p.b).ok());
  const std::string args = " solve --sketch random --solver ihs --lasso 1 ";
  const RunResult run = Mpirun(absl::StrCat("-np 1 ", SKETCHMPI_PATH, args, Path("a.npy"), " ",
                                            Path("b.npy"), " : -np 2 ", SKETCHMPI_PATH, args,
                                            Path("gone.npy"), " ", Path("b.npy")));
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_NE(run.err.find("rank 1: " + Path("gone.npy")), std::string::npos) << run.err;
  EXPECT_LT(run.seconds, mpi_test::kTimeoutSeconds - 5);
}

// `--sketch random --m M`: one random sketch reused at every iteration
// (kFixed, conjugate directions for LS), as core's Solve does with it.
TEST_F(SketchmpiTrainTest, IhsWithOneFixedRandomSketchEqualsCore) {
  const Problem p = MakeProblem(300, 6, 24);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), p.a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), p.b).ok());
  const CountSketch s = *CountSketch::Random(30, 300, 8);
  IhsOptions io;
  io.mode = IhsSketchMode::kFixed;
  io.sketch = &s;
  auto want = IterativeHessianSketch(DataMatrix(p.a, 1), p.b, io);
  ASSERT_TRUE(want.ok()) << want.status();
  for (int ranks : {2, 3}) {
    const RunResult run = Sketchmpi(ranks, absl::StrCat("solve --sketch random --m 30 --seed 8 --solver ihs ",
                                                        Path("a.npy"), " ", Path("b.npy"), " --out ",
                                                        Path("x.npy")));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const VectorXd x = ReadNpyMatrix(Path("x.npy"))->col(0);
    EXPECT_LE((x - want->x).norm() / want->x.norm(), 1e-10) << ranks << " ranks";
  }
}

// A trained heavy_rows sketch: heavy rows kept, light rows re-hashed per
// iteration, as core's Solve does with that sketch.
TEST_F(SketchmpiTrainTest, IhsWithAHeavyRowsSketchFileEqualsCore) {
  const Problem p = MakeProblem(150, 4, 23);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), p.a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), p.b).ok());
  TrainedSketch trained;
  trained.options.task = SketchTask::kRegression;
  trained.options.method = TrainMethod::kHeavyRows;
  trained.heavy_rows = {3, 10, 77};
  trained.sketch = *HeavyRowsSketch(20, 150, trained.heavy_rows, 4);
  trained.n = 150;
  trained.d = 4;
  {
    std::ofstream f(Path("h.sketch"), std::ios::binary);
    f << SerializeTrainedSketch(trained);
  }
  IhsOptions io;
  io.mode = IhsSketchMode::kHeavyRows;
  io.sketch = &trained.sketch;
  io.heavy_rows = &trained.heavy_rows;
  io.seed = 0;
  auto want = IterativeHessianSketch(DataMatrix(p.a, 1), p.b, io);
  ASSERT_TRUE(want.ok()) << want.status();
  for (int ranks : {2, 3}) {
    const RunResult run = Sketchmpi(ranks, absl::StrCat("solve --sketch ", Path("h.sketch"),
                                                        " --solver ihs ", Path("a.npy"), " ",
                                                        Path("b.npy"), " --out ", Path("x.npy")));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const VectorXd x = ReadNpyMatrix(Path("x.npy"))->col(0);
    EXPECT_LE((x - want->x).norm() / want->x.norm(), 1e-10) << ranks << " ranks";
  }
}

}  // namespace
}  // namespace sketchd
