// With fewer than 16d rows LSQR's default sketch used to be a dense Gaussian
// with m = n: O(n²d) time and an n×n-sized panel, far slower than plain QR.
// Now the default is a direct Householder QR there (sparse sign sketch with
// m = min(n, 8d) for CSR input): same accuracy, QR's cost, no n² memory.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/regression/exact_solvers.h"
#include "core/regression/solve.h"
#include "core/regression/solve_memory.h"
#include "gtest/gtest.h"
#include "tests/regression/regression_test_util.h"

namespace sketchd {
namespace {

using ::sketchd::testing::MakeProblem;
using ::sketchd::testing::RelErr;

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(SmallNDefaultTest, LsqrWithFewRowsIsAsFastAndAccurateAsQr) {
  const int64_t d = 150;
  for (int64_t factor : {2, 8, 15}) {
    const int64_t n = factor * d;
    const RegressionProblem p = MakeProblem(n, d, 1e4, 1e-3, 60 + factor);
    // Best of three runs each: one timing on a machine running other tests
    // in parallel is noise (a single 1200×150 QR was once measured at 0.56 s).
    auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
    ASSERT_TRUE(qr.ok()) << qr.status();
    SolveOptions opt;  // LSQR, default sketch
    auto r = Solve(p, opt);
    ASSERT_TRUE(r.ok()) << r.status();
    double qr_s = 1e9, lsqr_s = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      (void)QrLeastSquares(ConstRowMajorRef(p.a), p.b);
      qr_s = std::min(qr_s, Seconds(t0));
      t0 = std::chrono::steady_clock::now();
      (void)Solve(p, opt);
      lsqr_s = std::min(lsqr_s, Seconds(t0));
    }
    // The previous default, for the record: a dense Gaussian sketch with m = n.
    SolveOptions gaussian;
    gaussian.sketch_kind = SketchKind::kGaussian;
    gaussian.sketch_rows = n;
    const auto t0 = std::chrono::steady_clock::now();
    auto old = Solve(p, gaussian);
    const double old_s = Seconds(t0);
    ASSERT_TRUE(old.ok()) << old.status();
    std::printf("  n = %2lldd (%lldx%lld): lsqr default %.4f s, qr %.4f s, old default (gaussian m = n) %.4f s = %.1fx\n",
                static_cast<long long>(factor), static_cast<long long>(n), static_cast<long long>(d), lsqr_s,
                qr_s, old_s, old_s / lsqr_s);
    EXPECT_EQ(r->convergence, SolveConvergence::kDirect) << "n = " << factor << "d";
    EXPECT_LE(RelErr(r->x, *qr), 1e-10) << "n = " << factor << "d";
    // QR's cost plus the input checks; the Gaussian m = n sketch took ~n/d× longer.
#if !defined(__SANITIZE_ADDRESS__)  // instrumented code times nothing meaningful
    EXPECT_LE(lsqr_s, 4 * qr_s + 0.05) << "n = " << factor << "d";
#endif
    // Memory: A, b and one copy of A; nothing of size n² (the Gaussian path
    // held an m×4096 panel with m = n, and an n×d SA per thread).
    EXPECT_LE(EstimateSolveBytes(opt, n, d), 3 * n * (d + 1) * 8) << "n = " << factor << "d";
  }
}

TEST(SmallNDefaultTest, SparseInputWithFewRowsUsesASparseSketch) {
  const int64_t d = 40, n = 15 * d;
  const RegressionProblem p = MakeProblem(n, d, 1e3, 1e-3, 70);
  const CsrMatrix csr = p.a.sparseView();
  auto qr = QrLeastSquares(ConstRowMajorRef(p.a), p.b);
  ASSERT_TRUE(qr.ok());
  auto r = Solve(csr, p.b, SolveOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(IsConverged(r->convergence)) << r->stop_reason;
  EXPECT_LE(RelErr(r->x, *qr), 1e-9);
  EXPECT_LE(r->iterations, 60);
}

}  // namespace
}  // namespace sketchd
