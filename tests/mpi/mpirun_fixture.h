// The mpirun harness shared by the sketchmpi suites: a fresh temporary
// directory per test and `mpirun` with what Open MPI needs here (root in CI,
// more ranks than cores, one BLAS thread per rank), killed after a timeout so
// a hang fails the test instead of the build.
#ifndef SKETCHD_TESTS_MPI_MPIRUN_FIXTURE_H_
#define SKETCHD_TESTS_MPI_MPIRUN_FIXTURE_H_

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

namespace sketchd {
namespace mpi_test {

constexpr int kTimeoutSeconds = 90;

struct RunResult {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class MpirunFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("sketchmpi_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name(),
                        "_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

 public:
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

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

  std::filesystem::path dir_;
};

}  // namespace mpi_test
}  // namespace sketchd

#endif  // SKETCHD_TESTS_MPI_MPIRUN_FIXTURE_H_
