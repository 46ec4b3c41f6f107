// Regression benchmark: speed (LSQR / sketch-and-solve vs Householder QR and
// Cholesky on the normal equations), sparse (preconditioned vs plain LSQR)
// and learning (IHS-LASSO rates with random vs heavy_rows sketches).
//
//   regression [--speed] [--sparse] [--learning] [--demo] [--ihs_plain] [--json] [--quick]
//              [--data_dir=DIR] [--threads=N] [--size=NxD]... [--lsqr_m_factor=K]
//              [--lsqr_sketch=countsketch|sparse_sign|gaussian]
// --demo: the CLI's Tetouan scenario on the committed demo data (raw, not
// standardised): heavy_rows sketches trained on demo/tetuan_train_Ab.npy,
// IHS on the held-out week vs QR. --ihs_plain: the learning table's schedules
// use the plain IHS step (IhsOptions::line_search = false), for before/after. No section flag = all sections. --quick shrinks the sizes for a smoke run.
// Ratios are always within one run; nothing here is run by ctest.
#include <cblas.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/io/npy.h"
#include "core/parallel/blas_threads.h"
#include "core/regression/column_standardizer.h"
#include "core/regression/exact_solvers.h"
#include "core/regression/ihs_evaluation.h"
#include "core/regression/solve.h"
#include "core/regression/train_regression.h"
#include "core/sketch/philox.h"

namespace sketchd {
namespace {

struct Flags {
  bool speed = false, sparse = false, learning = false, demo = false, json = false, quick = false;
  bool ihs_plain = false;  // --ihs_plain: learning table with the plain IHS step (no line search)
  std::string data_dir = std::string(SKETCHD_SOURCE_DIR) + "/../shared/data";
  int threads = 0;
  int64_t lsqr_m_factor = 0;            // 0 = Solve's default
  std::optional<SketchKind> lsqr_kind;  // unset = Solve's default
  std::vector<std::pair<int64_t, int64_t>> sizes;  // --size=NxD (repeatable) overrides the list
};

std::vector<std::string> json_rows;

double Seconds(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double Gauss(uint64_t seed, uint64_t i) { return PhiloxStandardNormal(seed, 77, i); }

// Fills m with N(0,1) entries in parallel (2 threads).
void FillGauss(double* data, int64_t count, uint64_t seed) {
  auto work = [&](int64_t a, int64_t b) {
    for (int64_t i = a; i < b; ++i) data[i] = Gauss(seed, static_cast<uint64_t>(i));
  };
  std::thread t(work, 0, count / 2);
  work(count / 2, count);
  t.join();
}

// A = G·diag(σ)·Qᵀ: Gaussian G (n×d, well-conditioned for n ≫ d), σ
// log-spaced 1..1/κ, Q a random orthogonal d×d, so κ(A) ≈ κ and the
// ill-conditioning is not axis-aligned. One dgemm.
RowMatrixXd MakeDense(int64_t n, int64_t d, double kappa, uint64_t seed) {
  RowMatrixXd g(n, d);
  FillGauss(g.data(), n * d, seed);
  MatrixXd h(d, d);
  FillGauss(h.data(), d * d, seed + 1);
  Eigen::HouseholderQR<MatrixXd> qr(h);
  const MatrixXd q = qr.householderQ();
  RowMatrixXd m(d, d);  // diag(σ)·Qᵀ
  for (int64_t i = 0; i < d; ++i) {
    const double s = std::pow(kappa, -static_cast<double>(i) / std::max<int64_t>(d - 1, 1)) / std::sqrt(n);
    m.row(i) = s * q.col(i).transpose();
  }
  RowMatrixXd a(n, d);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, d, 1.0, g.data(), d, m.data(), d, 0.0,
              a.data(), d);
  return a;
}

void Die(const absl::Status& s) {
  std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
  std::exit(1);
}

double RelErr(const VectorXd& x, const VectorXd& ref) { return (x - ref).norm() / ref.norm(); }

// ---------------------------------------------------------------- speed
void SpeedCase(const std::string& name, const RowMatrixXd& a, const VectorXd& b, const Flags& f) {
  const MatrixXd a_col = a;  // QR's preferred layout, prepared untimed
  VectorXd x_qr, x_ne;
  absl::Status ne_status;
  const double t_qr = Seconds([&] {
    auto x = QrLeastSquares(ConstColMajorRef(a_col), b);
    if (!x.ok()) Die(x.status());
    x_qr = *x;
  });
  const double t_ne = Seconds([&] {
    auto x = NormalEquationsLeastSquares(a, b);
    if (x.ok()) x_ne = *x; else ne_status = x.status();
  });
  SolveOptions lo;
  lo.threads = f.threads;
  if (f.lsqr_m_factor > 0) lo.sketch_rows = f.lsqr_m_factor * a.cols();
  lo.sketch_kind = f.lsqr_kind;
  absl::StatusOr<SolveResult> lsqr;
  const double t_lsqr = Seconds([&] { lsqr = Solve(ConstRowMajorRef(a), b, lo); });
  if (!lsqr.ok()) Die(lsqr.status());
  SolveOptions so;
  so.threads = f.threads;
  so.solver = Solver::kSketchAndSolve;
  absl::StatusOr<SolveResult> sas;
  const double t_sas = Seconds([&] { sas = Solve(ConstRowMajorRef(a), b, so); });
  if (!sas.ok()) Die(sas.status());
  const double res_qr = (a * x_qr - b).norm();
  const std::string ne_err = ne_status.ok() ? absl::StrCat(RelErr(x_ne, x_qr)) : "failed";
  std::printf("%-22s %8.3f | %8.3f %6.2fx %9.2e %4d it (sk %.2f qr %.2f it %.2f) | %8.3f %9.2e res/opt %.4f | %8.3f %9s\n",
              name.c_str(), t_qr, t_lsqr, t_qr / t_lsqr, RelErr(lsqr->x, x_qr), lsqr->iterations,
              lsqr->timings.sketch_seconds, lsqr->timings.factor_seconds, lsqr->timings.iterate_seconds, t_sas,
              RelErr(sas->x, x_qr), sas->residual_norm / res_qr, t_ne, ne_err.c_str());
  std::fflush(stdout);
  json_rows.push_back(absl::StrCat(
      "{\"section\":\"speed\",\"case\":\"", name, "\",\"qr_s\":", t_qr, ",\"lsqr_s\":", t_lsqr,
      ",\"lsqr_speedup\":", t_qr / t_lsqr, ",\"lsqr_rel_err\":", RelErr(lsqr->x, x_qr),
      ",\"lsqr_iterations\":", lsqr->iterations, ",\"sas_s\":", t_sas, ",\"sas_rel_err\":", RelErr(sas->x, x_qr),
      ",\"sas_residual_ratio\":", sas->residual_norm / res_qr, ",\"cholesky_s\":", t_ne,
      ",\"cholesky_rel_err\":\"", ne_err, "\"}"));
}

void RunSpeed(const Flags& f) {
  std::printf("\n== speed: dense least squares (times in s; errors ‖x − x_QR‖/‖x_QR‖) ==\n");
  std::printf("%-22s %8s | %8s %7s %9s %7s | %8s %9s %12s | %8s %9s\n", "case", "QR", "LSQR", "vs QR",
              "rel.err", "iters", "S&S", "rel.err", "res/opt", "Chol", "rel.err");
  std::vector<std::pair<int64_t, int64_t>> sizes = {{500000, 50}, {200000, 200}, {100000, 1000}};
  if (f.quick) sizes = {{50000, 50}, {20000, 200}};
  if (!f.sizes.empty()) sizes = f.sizes;
  for (auto [n, d] : sizes) {
    for (double kappa : {1e2, 1e6}) {
      const RowMatrixXd a = MakeDense(n, d, kappa, 1000 + n + d);
      VectorXd xt(d), noise(n);
      FillGauss(xt.data(), d, 5);
      FillGauss(noise.data(), n, 6);
      const VectorXd b = a * xt + 1e-3 * noise;
      SpeedCase(absl::StrCat(n, "x", d, " k=", kappa), a, b, f);
    }
  }
  auto a = ReadNpyMatrix(f.data_dir + "/tetuan_A.npy");
  auto b = ReadNpyMatrix(f.data_dir + "/tetuan_b.npy");
  if (!a.ok() || !b.ok()) {
    std::printf("tetuan: skipped (%s)\n", std::string((a.ok() ? b.status() : a.status()).message()).c_str());
    return;
  }
  SpeedCase("tetuan 52416x7", *a, b->col(0), f);
}

// ---------------------------------------------------------------- sparse
void RunSparse(const Flags& f) {
  const int64_t n = f.quick ? 100000 : 1000000, d = f.quick ? 200 : 1000, per_row = 10;
  std::printf("\n== sparse: CSR %lldx%lld, %lld nnz/row, column scales 1..1e-6 ==\n", (long long)n,
              (long long)d, (long long)per_row);
  CsrMatrix a(n, d);
  {
    std::vector<Eigen::Triplet<double, int64_t>> trips;
    trips.reserve(n * per_row);
    for (int64_t i = 0; i < n; ++i) {
      for (int k = 0; k < per_row; ++k) {
        const auto w = PhiloxWords(42, 9, static_cast<uint64_t>(i * per_row + k));
        const int64_t j = WordToIndex(w[0], static_cast<uint32_t>(d));
        const double scale = std::pow(10.0, -6.0 * static_cast<double>(j) / (d - 1));
        trips.emplace_back(i, j, Gauss(43, i * per_row + k) * scale);
      }
    }
    a.setFromTriplets(trips.begin(), trips.end());
  }
  VectorXd b(n);
  FillGauss(b.data(), n, 44);
  SolveOptions pre;
  pre.threads = f.threads;
  pre.atol = pre.btol = 1e-10;
  absl::StatusOr<SolveResult> rp;
  const double tp = Seconds([&] { rp = Solve(a, b, pre); });
  if (!rp.ok()) Die(rp.status());
  SolveOptions plain = pre;
  plain.precondition = false;
  plain.max_iterations = f.quick ? 2000 : 3000;
  absl::StatusOr<SolveResult> rq;
  const double tq = Seconds([&] { rq = Solve(a, b, plain); });
  if (!rq.ok()) Die(rq.status());
  // Accuracy of each: normal-equation residual ‖Aᵀ(Ax − b)‖ / (‖A‖_F‖Ax − b‖).
  auto nres = [&](const VectorXd& x) {
    const VectorXd r = a * x - b;
    return (VectorXd(a.transpose() * r)).norm() / (a.norm() * r.norm());
  };
  std::printf("%-16s %8s %8s %12s %14s  %s\n", "method", "iters", "time s", "‖Aᵀr‖/‖A‖‖r‖", "rel.diff to pre", "stop");
  std::printf("%-16s %8d %8.2f %12.2e %14s  %s\n", "preconditioned", rp->iterations, tp, nres(rp->x), "-",
              rp->stop_reason.c_str());
  std::printf("%-16s %8d %8.2f %12.2e %14.2e  %s\n", "plain", rq->iterations, tq, nres(rq->x),
              RelErr(rq->x, rp->x), rq->stop_reason.c_str());
  std::printf("iteration ratio preconditioned/plain: %.4f%s (target <= 0.1); time ratio %.3f\n",
              static_cast<double>(rp->iterations) / rq->iterations,
              rq->iterations >= plain.max_iterations ? " (plain hit its cap: true ratio is smaller)" : "", tp / tq);
  json_rows.push_back(absl::StrCat("{\"section\":\"sparse\",\"n\":", n, ",\"d\":", d, ",\"pre_iterations\":",
                                   rp->iterations, ",\"pre_s\":", tp, ",\"plain_iterations\":", rq->iterations,
                                   ",\"plain_s\":", tq, ",\"plain_capped\":",
                                   rq->iterations >= plain.max_iterations ? "true" : "false", "}"));
}

// ---------------------------------------------------------------- learning
struct Schedule {
  std::string name;
  std::function<IhsOptions(uint64_t seed)> make;
  int seeds;
};

void RunLearning(const Flags& f) {
  auto fam = ReadNpyFamily(f.data_dir + "/tetuan_weekly_A.npy");
  auto bs = ReadNpyMatrix(f.data_dir + "/tetuan_weekly_b.npy");
  if (!fam.ok() || !bs.ok()) Die(fam.ok() ? bs.status() : fam.status());
  std::vector<RegressionProblem> problems;
  for (size_t i = 0; i < fam->size(); ++i) problems.push_back({(*fam)[i], bs->row(i).transpose()});
  const int64_t train_count = 41;
  const std::vector<RegressionProblem> train(problems.begin(), problems.begin() + train_count);
  const ColumnStandardizer st = ColumnStandardizer::Fit(train);
  for (RegressionProblem& p : problems) st.Apply(&p);
  const int64_t n = problems[0].a.rows(), d = problems[0].a.cols();
  std::printf("\n== learning: tetuan_weekly (%zu weeks of %lldx%lld), train weeks 1-41, test 42-52, "
              "lambda = 0.5*|x_LS|_1 ==\n", problems.size(), (long long)n, (long long)d);
  // Test-week references.
  std::vector<LassoReference> refs;
  std::vector<double> lambdas;
  for (size_t i = train_count; i < problems.size(); ++i) {
    auto xls = QrLeastSquares(ConstRowMajorRef(problems[i].a), problems[i].b);
    if (!xls.ok()) Die(xls.status());
    lambdas.push_back(0.5 * xls->lpNorm<1>());
    auto ref = LassoExact(problems[i].a, problems[i].b, lambdas.back());
    if (!ref.ok()) Die(ref.status());
    refs.push_back(*ref);
  }
  std::printf("%-5s %-28s %9s %12s %10s %s\n", "m", "sketch (IHS schedule)", "mean rho", "iters->1e-6",
              "vs random", "train s / note");
  for (int factor : {6, 8, 10}) {
    const int64_t m = factor * d;
    TrainOptions opt;
    opt.method = TrainMethod::kHeavyRows;
    opt.task = SketchTask::kRegression;
    opt.m = m;
    opt.seed = 7;
    opt.validation_fraction = static_cast<double>(problems.size() - train_count) / problems.size();
    TrainedSketch heavy, learned;
    double t_heavy = Seconds([&] {
      auto t = TrainRegressionSketch(problems, opt, nullptr, nullptr);
      if (!t.ok()) Die(t.status());
      heavy = *t;
    });
    opt.learn_values = true;
    double t_learned = Seconds([&] {
      auto t = TrainRegressionSketch(problems, opt, nullptr, nullptr);
      if (!t.ok()) Die(t.status());
      learned = *t;
    });
    std::vector<Schedule> schedules = {
        {"random CountSketch, fresh", [&](uint64_t s) {
           IhsOptions o;
           o.mode = IhsSketchMode::kFresh;
           o.fresh = {SketchKind::kCountSketch, m, 100 + 1000 * s, 1};
           return o;
         }, 5},
        {"heavy rows + fresh rest", [&](uint64_t s) {
           IhsOptions o;
           o.mode = IhsSketchMode::kHeavyRows;
           o.sketch = &heavy.sketch;
           o.heavy_rows = &heavy.heavy_rows;
           o.seed = 100 + 1000 * s;
           return o;
         }, 5},
        {"heavy rows fixed, +-1", [&](uint64_t) {
           IhsOptions o;
           o.mode = IhsSketchMode::kFixed;
           o.sketch = &heavy.sketch;
           return o;
         }, 1},
        {"heavy rows + learned, fixed", [&](uint64_t) {
           IhsOptions o;
           o.mode = IhsSketchMode::kFixed;
           o.sketch = &learned.sketch;
           return o;
         }, 1},
    };
    double random_rate = 0, random_iters = 0;
    for (const Schedule& sc : schedules) {
      double rate = 0, iters = 0;
      int never = 0, runs = 0;
      for (int s = 0; s < sc.seeds; ++s) {
        for (size_t k = 0; k < refs.size(); ++k) {
          IhsOptions io = sc.make(s);
          io.line_search = !f.ihs_plain;
          auto e = EvaluateIhsLasso(problems[train_count + k], refs[k], lambdas[k], io);
          if (!e.ok()) Die(e.status());
          rate += e->rate;
          if (e->iterations_to_target < 0) ++never;
          iters += e->iterations_to_target < 0 ? 50 : e->iterations_to_target;
          ++runs;
        }
      }
      rate /= runs;
      iters /= runs;
      if (sc.name.rfind("random", 0) == 0) {
        random_rate = rate;
        random_iters = iters;
      }
      std::string note;
      if (sc.name == "heavy rows + fresh rest") note = absl::StrCat("train ", t_heavy, " s");
      if (sc.name == "heavy rows + learned, fixed") note = absl::StrCat("train ", t_learned, " s; ", learned.notes);
      if (never > 0) note += absl::StrCat(" [", never, "/", runs, " runs never reached 1e-6 in 50: counted as 50]");
      std::printf("%-5lld %-28s %9.4f %12.2f %6.2fx/%4.2fx %s\n", (long long)m, sc.name.c_str(), rate, iters,
                  rate / random_rate, iters / random_iters, note.c_str());
      std::fflush(stdout);
      json_rows.push_back(absl::StrCat("{\"section\":\"learning\",\"m\":", m, ",\"schedule\":\"", sc.name,
                                       "\",\"rate\":", rate, ",\"iterations_to_1e-6\":", iters,
                                       ",\"rate_vs_random\":", rate / random_rate, "}"));
    }
    std::printf("      training validation (learned sketch, as Solve uses it): rate %.4f vs random %.4f (ratio %.2f) "
                "on %lld held-out weeks\n",
                learned.validation.learned, learned.validation.random, learned.validation.ratio(),
                (long long)learned.validation.num_matrices);
  }
}

// ---------------------------------------------------------------- demo
// What `sketchctl train tetuan --method heavy_rows --task regression --m 42
// [--learn-values]` then `sketchctl solve ... --solver ihs` do, on the raw
// demo weeks: the residual IHS reaches vs QR, its iterations and stop reason.
void RunDemo(const Flags& f) {
  const std::string dir = std::string(SKETCHD_SOURCE_DIR) + "/demo";
  auto fam = ReadNpyFamily(dir + "/tetuan_train_Ab.npy");
  auto ta = ReadNpyMatrix(dir + "/tetuan_test_A.npy");
  auto tb = ReadNpyMatrix(dir + "/tetuan_test_b.npy");
  if (!fam.ok() || !ta.ok() || !tb.ok()) {
    std::printf("demo: skipped (%s)\n",
                std::string((!fam.ok() ? fam.status() : !ta.ok() ? ta.status() : tb.status()).message()).c_str());
    return;
  }
  std::vector<RegressionProblem> problems;
  for (const RowMatrixXd& ab : *fam) {
    const int64_t d = ab.cols() - 1;
    problems.push_back({ab.leftCols(d), ab.col(d)});
  }
  const VectorXd b = tb->col(0);
  const ConstRowMajorRef a(*ta);
  auto qr = QrLeastSquares(a, b);
  if (!qr.ok()) Die(qr.status());
  const double opt = (*ta * *qr - b).norm();
  std::printf("\n== demo: raw tetuan weeks (%zu x %lldx%lld), held-out week, IHS vs QR residual %.6e ==\n",
              problems.size(), (long long)problems[0].a.rows(), (long long)problems[0].a.cols(), opt);
  std::printf("%-4s %-14s %11s %11s %14s %5s %s\n", "m", "sketch", "val.ratio", "res/opt-1", "|x-x_QR|/|x|",
              "iters", "stop");
  for (int64_t m : {42, 56}) {
    for (bool learn : {false, true}) {
      TrainOptions opt_t;
      opt_t.method = TrainMethod::kHeavyRows;
      opt_t.task = SketchTask::kRegression;
      opt_t.m = m;
      opt_t.learn_values = learn;
      auto t = TrainRegressionSketch(problems, opt_t, nullptr, nullptr);
      if (!t.ok()) Die(t.status());
      SolveOptions so;
      so.solver = Solver::kIhs;
      so.trained_sketch = &*t;
      so.threads = f.threads;
      auto r = Solve(a, b, so);
      if (!r.ok()) Die(r.status());
      std::printf("%-4lld %-14s %11.4f %11.2e %14.2e %5d %s\n", (long long)m, learn ? "heavy+learned" : "heavy rows",
                  t->validation.ratio(), r->residual_norm / opt - 1, RelErr(r->x, *qr), r->iterations,
                  r->stop_reason.c_str());
      std::fflush(stdout);
      json_rows.push_back(absl::StrCat("{\"section\":\"demo\",\"m\":", m, ",\"learned\":", learn ? "true" : "false",
                                       ",\"validation_ratio\":", t->validation.ratio(), ",\"residual_ratio\":",
                                       r->residual_norm / opt, ",\"iterations\":", r->iterations, "}"));
    }
  }
  SolveOptions fresh;
  fresh.solver = Solver::kIhs;
  fresh.threads = f.threads;
  auto r = Solve(a, b, fresh);
  if (!r.ok()) Die(r.status());
  std::printf("%-4lld %-14s %11s %11.2e %14.2e %5d %s\n", (long long)(8 * a.cols()), "fresh random", "-",
              r->residual_norm / opt - 1, RelErr(r->x, *qr), r->iterations, r->stop_reason.c_str());
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) {
  sketchd::BoundBlasWorkerSpinning();  // as sketchd's binaries do
  sketchd::Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--speed") f.speed = true;
    else if (a == "--sparse") f.sparse = true;
    else if (a == "--learning") f.learning = true;
    else if (a == "--demo") f.demo = true;
    else if (a == "--ihs_plain") f.ihs_plain = true;
    else if (a == "--json") f.json = true;
    else if (a == "--quick") f.quick = true;
    else if (a.rfind("--data_dir=", 0) == 0) f.data_dir = a.substr(11);
    else if (a.rfind("--threads=", 0) == 0) f.threads = std::atoi(a.c_str() + 10);
    else if (a.rfind("--lsqr_m_factor=", 0) == 0) f.lsqr_m_factor = std::atoll(a.c_str() + 16);
    else if (a.rfind("--lsqr_sketch=", 0) == 0) {
      auto k = sketchd::ParseSketchKind(a.substr(14));
      if (!k.ok()) { std::fprintf(stderr, "%s\n", std::string(k.status().message()).c_str()); return 2; }
      f.lsqr_kind = *k;
    } else if (a.rfind("--size=", 0) == 0) {
      long long n = 0, d = 0;
      if (std::sscanf(a.c_str() + 7, "%lldx%lld", &n, &d) != 2) { std::fprintf(stderr, "bad --size\n"); return 2; }
      f.sizes.push_back({n, d});
    }
    else {
      std::fprintf(stderr, "usage: regression [--speed] [--sparse] [--learning] [--demo] [--ihs_plain] [--json] [--quick] "
                           "[--data_dir=DIR] [--threads=N] [--size=NxD]... [--lsqr_m_factor=K] "
                           "[--lsqr_sketch=countsketch|sparse_sign|gaussian]\n");
      return 2;
    }
  }
  if (!f.speed && !f.sparse && !f.learning && !f.demo) f.speed = f.sparse = f.learning = f.demo = true;
  std::printf("threads: %d (passes over A), OpenBLAS for QR/Cholesky\n", sketchd::ResolveThreads(f.threads));
  if (f.demo) sketchd::RunDemo(f);
  if (f.learning) sketchd::RunLearning(f);
  if (f.speed) sketchd::RunSpeed(f);
  if (f.sparse) sketchd::RunSparse(f);
  if (f.json) {
    std::printf("\n[\n");
    for (size_t i = 0; i < sketchd::json_rows.size(); ++i) {
      std::printf("  %s%s\n", sketchd::json_rows[i].c_str(), i + 1 < sketchd::json_rows.size() ? "," : "");
    }
    std::printf("]\n");
  }
  return 0;
}
