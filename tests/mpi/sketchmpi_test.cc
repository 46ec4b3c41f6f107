// sketchmpi end to end: real mpirun runs with 1, 2 and 3 ranks (more ranks
// than rows, uneven splits, empty ranks, float32 input), results compared
// with core's single-process answer for the same sketch, bitwise
// reproducibility for a fixed rank count, and the failure paths (a file one
// rank cannot read, a rank that dies) ending every rank, without hanging.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/json.h"
#include "core/io/npy.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/regression/solve.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/philox.h"
#include "core/training/trained_sketch.h"

namespace sketchd {
namespace {

namespace fs = std::filesystem;

// Past this, mpirun is considered hung (a healthy run takes a few seconds
// even on a loaded 2-core machine).
constexpr int kTimeoutSeconds = 60;

struct RunResult {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SketchmpiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("sketchmpi_test_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // `mpirun <launch>` with the environment Open MPI needs here (root in CI,
  // more ranks than cores), one BLAS thread per rank.
  RunResult Mpirun(const std::string& launch) const {
    const std::string out = Path("stdout.txt"), err = Path("stderr.txt");
    const std::string cmd = absl::StrCat(
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 "
        "timeout -s KILL ", kTimeoutSeconds, " ", MPIEXEC_PATH, " --oversubscribe ", launch,
        " >", out, " 2>", err);
    const auto start = std::chrono::steady_clock::now();
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadText(out);
    r.err = ReadText(err);
    return r;
  }

  RunResult Sketchmpi(int ranks, const std::string& args) const {
    return Mpirun(absl::StrCat("-np ", ranks, " ", SKETCHMPI_PATH, " ", args));
  }

  fs::path dir_;
};

double Gauss(uint64_t seed, uint64_t i) { return PhiloxStandardNormal(seed, 5, i); }

// Rank-8 signal with decaying spectrum plus small noise, n×d.
RowMatrixXd TestMatrix(int64_t n, int64_t d, uint64_t seed) {
  RowMatrixXd left(n, 8), right(8, d), noise(n, d);
  for (int64_t i = 0; i < left.size(); ++i) left.data()[i] = Gauss(seed, i);
  for (int64_t i = 0; i < right.size(); ++i) right.data()[i] = Gauss(seed + 1, i) * std::pow(0.6, i / d);
  for (int64_t i = 0; i < noise.size(); ++i) noise.data()[i] = 1e-3 * Gauss(seed + 2, i);
  return left * right + noise;
}

double Relative(const MatrixXd& a, const MatrixXd& b) {
  const double scale = b.norm();
  return scale > 0 ? (a - b).norm() / scale : a.norm();
}

// sketchmpi lowrank on `ranks` ranks vs core's ScwLowRank with the same
// random sketch: Y Zᵀ and σ to 1e-12, Z up to each column's sign.
void ExpectLowRankMatchesCore(const SketchmpiTest& t, const RunResult& run,
                              const RowMatrixXd& a, int64_t m, uint64_t seed, int64_t k,
                              const std::string& left, const std::string& right) {
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const CountSketch s = *CountSketch::Random(m, a.rows(), seed);
  auto expected = ScwLowRank(s, a, k);
  ASSERT_TRUE(expected.ok()) << expected.status();
  auto y = ReadNpyMatrix(left);
  auto z = ReadNpyMatrix(right);
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_TRUE(z.ok()) << z.status();
  ASSERT_EQ(y->rows(), a.rows());
  ASSERT_EQ(y->cols(), k);
  ASSERT_EQ(z->rows(), a.cols());
  const MatrixXd product = MatrixXd(*y) * z->transpose();
  const MatrixXd expected_product = expected->left * expected->right.transpose();
  EXPECT_LT(Relative(product, expected_product), 1e-12);
  for (int64_t j = 0; j < k; ++j) {
    const double sign = z->col(j).dot(expected->right.col(j)) < 0 ? -1.0 : 1.0;
    EXPECT_LT(Relative(sign * MatrixXd(z->col(j)), expected->right.col(j)), 1e-11) << "column " << j;
  }
  (void)t;
}

TEST_F(SketchmpiTest, LowRankOnOneTwoAndThreeRanksEqualsCore) {
  const RowMatrixXd a = TestMatrix(301, 24, 1);  // 301 rows: uneven on 2 and 3 ranks
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(absl::StrCat(ranks, " ranks"));
    const RunResult run = Sketchmpi(ranks, absl::StrCat(
        "lowrank --sketch random --m 16 --seed 7 --k 5 ", Path("a.npy"), " --left ",
        Path("y.npy"), " --right ", Path("z.npy")));
    ExpectLowRankMatchesCore(*this, run, a, 16, 7, 5, Path("y.npy"), Path("z.npy"));
  }
}

TEST_F(SketchmpiTest, LowRankIsBitwiseReproducibleForAFixedRankCount) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), TestMatrix(200, 16, 2)).ok());
  for (const char* tag : {"1", "2"}) {
    const RunResult run = Sketchmpi(3, absl::StrCat(
        "lowrank --sketch random --m 12 --seed 3 --k 4 ", Path("a.npy"), " --left ",
        Path(absl::StrCat("y", tag, ".npy")), " --right ", Path(absl::StrCat("z", tag, ".npy"))));
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  EXPECT_EQ(ReadText(Path("y1.npy")), ReadText(Path("y2.npy")));
  EXPECT_EQ(ReadText(Path("z1.npy")), ReadText(Path("z2.npy")));
}

// 3 rows on 4 ranks: rank 0 owns none (⌊3·0/4⌋ = ⌊3·1/4⌋ = 0).
TEST_F(SketchmpiTest, MoreRanksThanRowsLeavesSomeRanksEmpty) {
  const RowMatrixXd a = TestMatrix(3, 5, 3);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  const RunResult run = Sketchmpi(4, absl::StrCat(
      "lowrank --sketch random --m 3 --seed 1 --k 2 ", Path("a.npy"), " --left ", Path("y.npy"),
      " --right ", Path("z.npy")));
  ExpectLowRankMatchesCore(*this, run, a, 3, 1, 2, Path("y.npy"), Path("z.npy"));
}

// float32 input is converted to double on read, as by every core reader.
TEST_F(SketchmpiTest, Float32InputMatchesCoreOnTheSameValues) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a32.npy"), TestMatrix(150, 12, 4),
                             NpyWriteOptions{ElementType::kFloat32, false}).ok());
  const RowMatrixXd rounded = *ReadNpyMatrix(Path("a32.npy"));
  const RunResult run = Sketchmpi(2, absl::StrCat(
      "lowrank --sketch random --m 10 --seed 5 --k 3 ", Path("a32.npy"), " --left ",
      Path("y.npy"), " --right ", Path("z.npy")));
  ExpectLowRankMatchesCore(*this, run, rounded, 10, 5, 3, Path("y.npy"), Path("z.npy"));
}

// A sketch file (the format sketchctl writes) is read by every rank.
TEST_F(SketchmpiTest, LowRankWithASketchFile) {
  const RowMatrixXd a = TestMatrix(120, 10, 6);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  TrainedSketch trained;
  trained.sketch = *CountSketch::Random(8, 120, 11);
  trained.n = 120;
  trained.d = 10;
  trained.options.k = 3;
  {
    std::ofstream f(Path("s.sketch"), std::ios::binary);
    f << SerializeTrainedSketch(trained);
  }
  const RunResult run = Sketchmpi(2, absl::StrCat("--json lowrank --sketch ", Path("s.sketch"),
                                                  " --k 3 ", Path("a.npy"), " --left ",
                                                  Path("y.npy"), " --right ", Path("z.npy")));
  ExpectLowRankMatchesCore(*this, run, a, 8, 11, 3, Path("y.npy"), Path("z.npy"));
  EXPECT_NE(run.out.find("\"ok\":true"), std::string::npos) << run.out;
}

// Power iterations, written independently with dense Eigen: V₀ = basis of
// row(SA), then q times Q = orth(AV), V = orth(AᵀQ); answer [AV]_k Vᵀ. The
// MPI path orthonormalises AV through its TSQR factor instead, so products
// agree to rounding, not bitwise.
MatrixXd ReferencePowerScw(const RowMatrixXd& a, const CountSketch& s, int64_t k, int q) {
  MatrixXd v = RowSpaceBasis(s.Apply(a));
  auto orth = [](const MatrixXd& m) {
    Eigen::HouseholderQR<MatrixXd> qr(m);
    return MatrixXd(qr.householderQ() * MatrixXd::Identity(m.rows(), m.cols()));
  };
  for (int i = 0; i < q; ++i) v = orth(a.transpose() * orth(a * v));
  Eigen::JacobiSVD<MatrixXd> svd(a * v, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return svd.matrixU().leftCols(k) * svd.singularValues().head(k).asDiagonal() *
         svd.matrixV().leftCols(k).transpose() * v.transpose();
}

TEST_F(SketchmpiTest, PowerIterationsMatchADenseReferenceAndApproachTheOptimum) {
  const RowMatrixXd a = TestMatrix(211, 20, 14);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  const CountSketch s = *CountSketch::Random(6, 211, 3);
  double previous_excess = 0;
  for (int q : {0, 2}) {
    for (int ranks : {1, 3}) {
      SCOPED_TRACE(absl::StrCat("q = ", q, " on ", ranks, " ranks"));
      const RunResult run = Sketchmpi(ranks, absl::StrCat(
          "--json lowrank --sketch random --m 6 --seed 3 --k 4 --exact --power-iters ", q, " ",
          Path("a.npy"), " --left ", Path("y.npy"), " --right ", Path("z.npy")));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      const MatrixXd y = *ReadNpyMatrix(Path("y.npy")), z = *ReadNpyMatrix(Path("z.npy"));
      EXPECT_LT(Relative(y * z.transpose(), ReferencePowerScw(a, s, 4, q)), 1e-11);
      auto json = Json::Parse(run.out);
      ASSERT_TRUE(json.ok()) << run.out;
      EXPECT_EQ(json->Find("passes")->as_int(), 2 + 2 * q);
      const double excess = json->Find("excess_error")->as_number();
      if (q == 2 && ranks == 1) {
        EXPECT_LT(excess, 0.1 * previous_excess);
      }
      if (q == 0) previous_excess = excess;
    }
  }
}

// A sketch with empty rows (m close to n: ~m·e^{-n/m} of them) leaves SA
// rank-deficient; with power iterations both core and the MPI path start
// from the LU-normalized (SA)ᵀ, of full rank m, and give the same answer.
TEST_F(SketchmpiTest, PowerIterationsFromARankDeficientSketchEqualCore) {
  // Slow decay (column j scaled by (j + 1)^-1/2): every start direction counts.
  RowMatrixXd a(24, 30);
  for (int64_t i = 0; i < a.size(); ++i) {
    a.data()[i] = Gauss(9, i) / std::sqrt(static_cast<double>(i % 30 + 1));
  }
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  const CountSketch s = *CountSketch::Random(16, 24, 5);
  const MatrixXd sketched = s.Apply(a);
  ASSERT_LT(sketched.rowwise().norm().minCoeff(), 1e-300) << "the sketch must have an empty row";
  LowRankOptions options;
  options.power_iters = 1;
  auto expected = ScwLowRank(s, a, 4, options);
  ASSERT_TRUE(expected.ok()) << expected.status();
  const MatrixXd expected_product = expected->left * expected->right.transpose();
  for (int ranks : {1, 2}) {
    SCOPED_TRACE(absl::StrCat(ranks, " ranks"));
    const RunResult run = Sketchmpi(ranks, absl::StrCat(
        "lowrank --sketch random --m 16 --seed 5 --k 4 --power-iters 1 ", Path("a.npy"),
        " --left ", Path("y.npy"), " --right ", Path("z.npy")));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const MatrixXd y = *ReadNpyMatrix(Path("y.npy")), z = *ReadNpyMatrix(Path("z.npy"));
    EXPECT_LT(Relative(y * z.transpose(), expected_product), 1e-11);
  }
}

// --exact reports ‖A − YZᵀ‖_F and the optimum from a TSQR of A.
TEST_F(SketchmpiTest, ExactErrorsEqualThoseOfTheFactorsAndTheSvd) {
  const RowMatrixXd a = TestMatrix(90, 9, 7);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  const RunResult run = Sketchmpi(3, absl::StrCat(
      "--json lowrank --sketch random --m 8 --seed 2 --k 3 --exact ", Path("a.npy"), " --left ",
      Path("y.npy"), " --right ", Path("z.npy")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto json = Json::Parse(run.out);
  ASSERT_TRUE(json.ok()) << run.out;
  const MatrixXd y = *ReadNpyMatrix(Path("y.npy")), z = *ReadNpyMatrix(Path("z.npy"));
  const double error = (MatrixXd(a) - y * z.transpose()).norm();
  const VectorXd sigma = Eigen::JacobiSVD<MatrixXd>(MatrixXd(a)).singularValues();
  EXPECT_NEAR(json->Find("error")->as_number(), error, 1e-10 * error);
  EXPECT_NEAR(json->Find("optimal_error")->as_number(), sigma.tail(6).norm(), 1e-10 * error);
}

TEST_F(SketchmpiTest, SolveOnOneTwoAndThreeRanksEqualsCore) {
  const RowMatrixXd a = TestMatrix(257, 6, 8) + 0.5 * RowMatrixXd::Identity(257, 6);
  VectorXd b(257);
  for (int64_t i = 0; i < 257; ++i) b(i) = Gauss(9, i);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), b).ok());
  const CountSketch s = *CountSketch::Random(48, 257, 4);
  for (const char* solver : {"lsqr", "sketch_and_solve"}) {
    SolveOptions options;
    options.solver = *ParseSolver(solver);
    options.sketch = &s;
    options.threads = 1;
    auto expected = Solve(a, b, options);
    ASSERT_TRUE(expected.ok()) << expected.status();
    for (int ranks : {1, 2, 3}) {
      SCOPED_TRACE(absl::StrCat(solver, " on ", ranks, " ranks"));
      const RunResult run = Sketchmpi(ranks, absl::StrCat(
          "solve --sketch random --m 48 --seed 4 --solver ", solver, " ", Path("a.npy"), " ",
          Path("b.npy"), " --out ", Path("x.npy")));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      auto x = ReadNpyMatrix(Path("x.npy"));
      ASSERT_TRUE(x.ok()) << x.status();
      EXPECT_LT(Relative(x->col(0), expected->x), 1e-12);
    }
  }
}

// Without --m, LSQR uses core's default sparse sign sketch (m = 8d) and
// reaches the least-squares optimum, which --exact computes by TSQR.
TEST_F(SketchmpiTest, SolveWithTheDefaultSketchReachesTheOptimum) {
  const RowMatrixXd a = TestMatrix(400, 5, 10) + RowMatrixXd::Identity(400, 5);
  VectorXd b(400);
  for (int64_t i = 0; i < 400; ++i) b(i) = Gauss(11, i);
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy"), b).ok());
  const RunResult run = Sketchmpi(2, absl::StrCat("--json solve --sketch random --exact ",
                                                  Path("a.npy"), " ", Path("b.npy")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto json = Json::Parse(run.out);
  ASSERT_TRUE(json.ok()) << run.out;
  const VectorXd x = a.colPivHouseholderQr().solve(b);
  const double optimal = (a * x - b).norm();
  EXPECT_NEAR(json->Find("optimal_residual_norm")->as_number(), optimal, 1e-12 * optimal);
  EXPECT_NEAR(json->Find("residual_norm")->as_number(), optimal, 1e-12 * optimal);
  EXPECT_TRUE(json->Find("converged")->as_bool());
  EXPECT_EQ(json->Find("convergence")->as_string(), "converged");
}

TEST_F(SketchmpiTest, UsageErrorsExitWithTwoOnEveryRank) {
  const RunResult run = Sketchmpi(2, "lowrank --sketch random --k 2 missing.npy");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--sketch random needs --m"), std::string::npos) << run.err;
}

// Refused by name, not ignored: the distributed iteration keeps only the
// last iterate, so its answer would not be a block Krylov one.
TEST_F(SketchmpiTest, BlockKrylovIsRefusedOnEveryRank) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), TestMatrix(40, 6, 15)).ok());
  const RunResult run = Sketchmpi(2, absl::StrCat("lowrank --sketch random --m 6 --k 2 "
                                                  "--power-iters 1 --block-krylov ",
                                                  Path("a.npy")));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("--block-krylov is not supported by sketchmpi"), std::string::npos)
      << run.err;
}

// Sizes are checked before anything m×d is allocated, with the same message
// on every rank.
TEST_F(SketchmpiTest, ASketchLargerThanTheMatrixIsRefusedBeforeAllocating) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), TestMatrix(40, 6, 15)).ok());
  const RunResult run = Sketchmpi(2, absl::StrCat("lowrank --sketch random --m 2000000000 --k 2 ",
                                                  Path("a.npy")));
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_NE(run.err.find("the sketch has m = 2000000000 rows but A has only n = 40"), std::string::npos)
      << run.err;
}

// Rank 1 is given a path it cannot read (MPMD launch: each rank its own
// arguments): every rank stops with the input-error code, the message names
// rank 1 and the file, and nothing waits for the missing rows.
TEST_F(SketchmpiTest, AFileOneRankCannotReadFailsEveryRankCleanly) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), TestMatrix(50, 6, 12)).ok());
  const std::string args = " lowrank --sketch random --m 6 --k 2 ";
  const RunResult run = Mpirun(absl::StrCat("-np 1 ", SKETCHMPI_PATH, args, Path("a.npy"),
                                            " : -np 2 ", SKETCHMPI_PATH, args, Path("gone.npy")));
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_NE(run.err.find("rank 1: " + Path("gone.npy") + ": no such file"), std::string::npos)
      << run.err;
  EXPECT_LT(run.seconds, kTimeoutSeconds - 5);
}

// A rank that dies (killed before it ever joins) takes the job down: mpirun
// ends the other ranks and exits non-zero well before the timeout.
TEST_F(SketchmpiTest, AKilledRankEndsTheJobWithoutHanging) {
  ASSERT_TRUE(WriteNpyMatrix(Path("a.npy"), TestMatrix(50, 6, 13)).ok());
  const RunResult run = Mpirun(absl::StrCat(
      "-np 2 ", SKETCHMPI_PATH, " lowrank --sketch random --m 6 --k 2 ", Path("a.npy"),
      " : -np 1 sh -c 'kill -9 $$'"));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_LT(run.seconds, kTimeoutSeconds - 5) << "mpirun was killed by the timeout";
}

}  // namespace
}  // namespace sketchd
