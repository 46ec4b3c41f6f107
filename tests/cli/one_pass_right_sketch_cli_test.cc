// The one-pass range sketch R from the command line: `sketchctl local train
// --transpose` writes an R, `local lowrank --one-pass --right-sketch-file`
// answers exactly as core's two-sided accumulator with that S and R, and
// every misuse (R not transposed, wrong width, sizes, R given as S, flags
// without --one-pass, a malformed --right-sketch) exits with its code and a
// message naming what to fix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "client/json.h"
#include "core/io/npy.h"
#include "core/lowrank/two_sided_sketch.h"
#include "core/sketch/philox.h"
#include "core/training/trained_sketch.h"

namespace sketchd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int kN = 60, kD = 40;

struct Ran {
  int exit_code = -1;
  std::string out;  // stdout, then stderr
};

Ran Sketchctl(const std::string& args) {
  const std::string cmd = std::string(SKETCHD_BINARY_DIR) + "/client/sketchctl " + args + " 2>&1";
  Ran ran;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return ran;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof(buf), pipe)) > 0) ran.out.append(buf, got);
  const int status = pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

TrainedSketch ReadSketch(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto t = ParseTrainedSketch(bytes.str());
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : TrainedSketch();
}

// Shared row and column structure (fixed bases, varying mixes) plus noise.
RowMatrixXd Member(int i, int n, int d) {
  auto normal = [](uint64_t seed, int rows, int cols) {
    RowMatrixXd g(rows, cols);
    for (Index j = 0; j < g.size(); ++j) g.data()[j] = PhiloxStandardNormal(seed, 3, j);
    return g;
  };
  return normal(1, n, 5) * normal(100 + i, 5, 5) * normal(2, 5, d) + 0.05 * normal(500 + i, n, d);
}

class OnePassRightSketchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sketchd-right-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::vector<RowMatrixXd> train;
    for (int i = 0; i < 10; ++i) train.push_back(Member(i, kN, kD));
    ASSERT_TRUE(WriteNpyFamily(P("train.npy"), train).ok());
    ASSERT_TRUE(WriteNpyMatrix(P("test.npy"), Member(50, kN, kD)).ok());
    ASSERT_TRUE(WriteNpyMatrix(P("wide.npy"), Member(51, kN, kD + 3)).ok());
    Ran s = Sketchctl("local train --method inner_product --k 3 --m 8 --out " + P("S.sketch") +
                      " " + P("train.npy"));
    ASSERT_EQ(s.exit_code, 0) << s.out;
    Ran r = Sketchctl("local train --method inner_product --k 3 --m 9 --transpose --out " +
                      P("R.sketch") + " " + P("train.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("n=40"));  // R acts on the d = 40 columns
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  std::string OnePass(const std::string& extra) const {
    return "local lowrank --sketch " + P("S.sketch") + " --k 3 " + P("test.npy") +
           " --one-pass --one-pass-seed 5 " + extra;
  }

  fs::path dir_;
};

TEST_F(OnePassRightSketchCli, LearnedRFromAFileGivesCoresTwoSidedAnswer) {
  const TrainedSketch s = ReadSketch(P("S.sketch")), r = ReadSketch(P("R.sketch"));
  ASSERT_TRUE(r.options.transpose);
  auto sketches = WithLearnedRange(s.sketch, r.sketch, 0, 5);
  ASSERT_TRUE(sketches.ok()) << sketches.status();
  auto core = TwoSidedLowRank(*sketches, Member(50, kN, kD), 3);
  ASSERT_TRUE(core.ok()) << core.status();
  const MatrixXd want = core->left * core->right.transpose();

  Ran ran = Sketchctl("--json " + OnePass("--right-sketch-file " + P("R.sketch") + " --left " +
                                          P("Y.npy") + " --right " + P("Z.npy")));
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  auto json = Json::Parse(ran.out);
  ASSERT_TRUE(json.ok()) << ran.out;
  EXPECT_EQ(json->FindPath("sketch.one_pass_range_m")->as_int(), 9);
  EXPECT_EQ(json->FindPath("sketch.one_pass_core_m")->as_int(), 2 * 9 + 1);
  EXPECT_EQ(json->FindPath("sketch.one_pass_right_sketch_file")->as_string(), P("R.sketch"));
  auto y = ReadNpyMatrix(P("Y.npy"));
  auto z = ReadNpyMatrix(P("Z.npy"));
  ASSERT_TRUE(y.ok() && z.ok());
  EXPECT_LE((MatrixXd(*y * z->transpose()) - want).norm(), 1e-10 * want.norm());

  // Without the file R is random: another sketch, another answer.
  ran = Sketchctl("--json " + OnePass("--left " + P("Yr.npy") + " --right " + P("Zr.npy")));
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  auto yr = ReadNpyMatrix(P("Yr.npy"));
  auto zr = ReadNpyMatrix(P("Zr.npy"));
  ASSERT_TRUE(yr.ok() && zr.ok());
  EXPECT_GT((MatrixXd(*yr * zr->transpose()) - want).norm(), 1e-6 * want.norm());
}

TEST_F(OnePassRightSketchCli, MisusedRangeSketchesExitWithWhatToFix) {
  Ran ran = Sketchctl(OnePass("--right-sketch-file " + P("S.sketch")));
  EXPECT_EQ(ran.exit_code, 4) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr(P("S.sketch") + " was not trained with transpose"));

  ran = Sketchctl("local lowrank --sketch random --m 8 --k 3 " + P("wide.npy") +
                  " --one-pass --right-sketch-file " + P("R.sketch"));
  EXPECT_EQ(ran.exit_code, 4) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("trained on transposes with 40 columns, but the matrix has "
                                 "d = 43 columns"));

  ran = Sketchctl(OnePass("--right-sketch-file " + P("R.sketch") + " --range-m 5"));
  EXPECT_EQ(ran.exit_code, 2) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("--range-m 5 but " + P("R.sketch") + " has m_r = 9 rows"));

  ran = Sketchctl(OnePass("--right-sketch-file " + P("R.sketch") + " --core-m 8"));
  EXPECT_EQ(ran.exit_code, 2) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("--core-m must be 0 (default 2·max(m, m_r) + 1) or ≥ max(m, "
                                 "m_r) = 9, got 8"));

  // R is never S.
  ran = Sketchctl("local lowrank --sketch " + P("R.sketch") + " --k 3 " + P("test.npy"));
  EXPECT_EQ(ran.exit_code, 4) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("this sketch was trained with --transpose (a range sketch R)"));

  ran = Sketchctl("local lowrank --sketch " + P("S.sketch") + " --k 3 " + P("test.npy") +
                  " --right-sketch-file " + P("R.sketch"));
  EXPECT_EQ(ran.exit_code, 2) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("--right-sketch / --right-sketch-file choose R of --one-pass"));

  // Training an R wider than the columns.
  ran = Sketchctl("local train --method random --k 3 --m 41 --transpose --out " + P("X.sketch") +
                  " " + P("train.npy"));
  EXPECT_EQ(ran.exit_code, 4) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("m = 41 exceeds the 40 columns of training matrix 0: with "
                                 "transpose the sketch acts on the columns d; use m ≤ d"));
}

TEST_F(OnePassRightSketchCli, RemoteRightSketchFlagIsCheckedBeforeConnecting) {
  // No server listens at this address: the usage errors come first.
  const std::string remote = "--server 127.0.0.1:1 lowrank fam " + P("test.npy") + " --k 3 ";
  Ran ran = Sketchctl(remote + "--one-pass --right-sketch latest");
  EXPECT_EQ(ran.exit_code, 2) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("--right-sketch must be a sketch version (≥ 1) trained with "
                                 "--transpose, or 'random'; got 'latest'"));
  ran = Sketchctl(remote + "--one-pass --right-sketch 0");
  EXPECT_EQ(ran.exit_code, 2) << ran.out;
  ran = Sketchctl(remote + "--right-sketch 2");
  EXPECT_EQ(ran.exit_code, 2) << ran.out;
  EXPECT_THAT(ran.out, HasSubstr("choose R of --one-pass; add --one-pass"));
}

}  // namespace
}  // namespace sketchd
