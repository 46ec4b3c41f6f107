// `sketchctl local lowrank --power-iters` end to end (no server): the JSON
// carries the exact error SCW reports, equal to core's (with --block-krylov
// under --sketch auto too), and the flag's range is enforced with a usage
// error.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "client/json.h"
#include "core/io/npy.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/philox.h"

namespace sketchd {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int exit_code = -1;
  std::string out;
};

Ran RunSketchctl(const std::string& args) {
  const std::string cmd =
      std::string(SKETCHD_BINARY_DIR) + "/client/sketchctl " + args + " 2>/dev/null";
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

TEST(LocalLowRankPowerItersTest, JsonCarriesTheExactErrorOfCore) {
  const fs::path dir = fs::temp_directory_path() / ("sketchd-power-" + std::to_string(getpid()));
  fs::create_directories(dir);
  RowMatrixXd a(60, 25);
  for (Index i = 0; i < a.size(); ++i) {
    a.data()[i] = PhiloxStandardNormal(5, 1, static_cast<uint64_t>(i)) / (1 + i % 25);
  }
  const std::string input = (dir / "a.npy").string();
  ASSERT_TRUE(WriteNpyMatrix(input, a).ok());
  const Ran ran = RunSketchctl("local lowrank --sketch random --m 8 --seed 4 --k 3 --power-iters 2 "
                               "--json " + input);
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  auto json = Json::Parse(ran.out);
  ASSERT_TRUE(json.ok()) << ran.out;
  LowRankOptions options;
  options.power_iters = 2;
  auto core = ScwLowRank(*CountSketch::Random(8, 60, 4), a, 3, options);
  ASSERT_TRUE(core.ok());
  ASSERT_NE(json->Find("mean_error"), nullptr) << ran.out;
  EXPECT_NEAR(json->Find("mean_error")->as_number(), core->error, 1e-12 * core->error);
  EXPECT_NEAR(json->Find("mean_relative_error")->as_number(), core->relative_error, 1e-12);
  EXPECT_EQ(json->Find("passes")->as_number(), 6);
  EXPECT_EQ(json->Find("power_iters")->as_number(), 2);

  // --sketch auto hands --block-krylov to its candidates (here only the
  // random one, so the answer is core's block Krylov answer).
  const Ran krylov = RunSketchctl("local lowrank --sketch auto --m 8 --seed 4 --k 3 "
                                  "--power-iters 2 --block-krylov --json " + input);
  ASSERT_EQ(krylov.exit_code, 0) << krylov.out;
  auto krylov_json = Json::Parse(krylov.out);
  ASSERT_TRUE(krylov_json.ok()) << krylov.out;
  options.block_krylov = true;
  auto core_krylov = ScwLowRank(*CountSketch::Random(8, 60, 4), a, 3, options);
  ASSERT_TRUE(core_krylov.ok());
  EXPECT_NEAR(krylov_json->Find("mean_error")->as_number(), core_krylov->error,
              1e-12 * core_krylov->error);
  EXPECT_TRUE(krylov_json->Find("block_krylov")->as_bool());
  EXPECT_LT(core_krylov->error, core->error);

  EXPECT_EQ(RunSketchctl("local lowrank --sketch random --m 8 --k 3 --power-iters 101 " + input)
                .exit_code,
            2);
  // k > m is refused in plain words, as a usage error.
  EXPECT_EQ(RunSketchctl("local lowrank --sketch random --m 2 --k 3 " + input).exit_code, 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sketchd
