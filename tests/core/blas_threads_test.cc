#include "core/parallel/blas_threads.h"

#include <cblas.h>
#include <sys/resource.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

namespace sketchd {
namespace {

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// CPU the process burns while its own thread sleeps 50 ms right after a
// threaded dgemm: OpenBLAS's idle workers spinning.
double CpuWhileIdleAfterDgemm() {
  const int n = 400;
  std::vector<double> a(n * n, 1.0), b(n * n, 1.0), c(n * n);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n,
              0.0, c.data(), n);
  EXPECT_EQ(c[0], n);
  const double start = ProcessCpuSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return ProcessCpuSeconds() - start;
}

TEST(BlasThreadsTest, IdleWorkersStopSpinningAndTheEnvironmentIsLeftAsItWas) {
  if (openblas_get_num_threads() < 2) GTEST_SKIP() << "OpenBLAS runs single-threaded here";
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") != nullptr) {
    GTEST_SKIP() << "OPENBLAS_THREAD_TIMEOUT is set by the environment";
  }
  const double before = CpuWhileIdleAfterDgemm();
  ASSERT_TRUE(BoundBlasWorkerSpinning());
  EXPECT_EQ(std::getenv("OPENBLAS_THREAD_TIMEOUT"), nullptr);
  const double after = CpuWhileIdleAfterDgemm();
  // Default OpenBLAS: a worker spins through most of the 50 ms (it had ~50 ms
  // of CPU here); bounded: it sleeps after ~25 µs.
  EXPECT_LT(after, 0.005) << "before: " << before << " s";
  // A user's own setting is respected: nothing is changed.
  setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1);
  EXPECT_FALSE(BoundBlasWorkerSpinning());
  EXPECT_STREQ(std::getenv("OPENBLAS_THREAD_TIMEOUT"), "20");
  unsetenv("OPENBLAS_THREAD_TIMEOUT");
}

}  // namespace
}  // namespace sketchd
