// perf_bench: sketchd against what a NumPy/SciPy user runs instead, at equal
// time, interleaved in one run (issue 13, "make every pass count").
//
//   build/bench/perf/perf_bench [--reps 7] [--sections scw,io,ls] [--big]
//                               [--io-rows 131072] [--ls-scale 1.0] [--ls-max-d 1000]
//
// A companion process (/usr/bin/python3 bench/perf/peers.py) holds the same
// matrices; every sketchd repetition is followed by the peer's, so both see
// the same load. Medians of `reps`; /proc/loadavg is printed with each table.
//
//  scw: sketchd's ScwLowRank (a fresh call, default options: it also reads A
//       once for ‖A‖_F) vs NumPy SCW on scipy's clarkson_woodruff_transform;
//       and sketchd's total against its floor, one pass over A (‖A‖²) plus
//       the AV GEMM (OpenBLAS, fresh output) at r = m.
//  io:  ReadMatrixFile(.npy, ~1 GB float64) + ScwLowRank vs np.load + SCW.
//  ls:  κ = 1e2 least squares: sketch-preconditioned LSQR and Householder QR
//       vs numpy.linalg.lstsq, scipy.linalg.lstsq (gelsd/gelsy/gelss),
//       scipy.linalg.qr + solve_triangular, and normal-equations Cholesky;
//       accuracy is ‖x − x_lstsq‖/‖x_lstsq‖.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/io/matrix_file.h"
#include "core/io/npy.h"
#include "core/lowrank/dense_kernels.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/blas_threads.h"
#include "core/regression/solve.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/gaussian_sketch.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "perf_bench: %s\n", what.c_str());
  std::exit(1);
}

// The NumPy/SciPy peer process, one request line and one reply line at a time.
class Peer {
 public:
  explicit Peer(const std::string& script) {
    // The peer's OpenBLAS gets the same bound on idle spinning as sketchd
    // (core/parallel/blas_threads.h): with OpenBLAS's default its workers
    // spin ~0.1 s after each call and take a core from the sketchd call
    // timed next (AV at 5760×1080, m = 80: 10 or 20 ms). The bound makes
    // the NumPy SCW faster too (m = 80: 30 against 37–41 ms). Set here, not
    // between fork and exec; this process's OpenBLAS read its environment
    // long before (a user's own value is kept).
    setenv("OPENBLAS_THREAD_TIMEOUT", std::to_string(kBlasWorkerSpinLog2Cycles).c_str(), 0);
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) Die("pipe failed");
    pid_ = fork();
    if (pid_ < 0) Die("fork failed");
    if (pid_ == 0) {
      dup2(to[0], 0);
      dup2(from[1], 1);
      close(to[1]);
      close(from[0]);
      execl("/usr/bin/python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to[0]);
    close(from[1]);
    in_ = fdopen(to[1], "w");
    out_ = fdopen(from[0], "r");
  }
  ~Peer() {
    std::fputs("quit\n", in_);
    std::fclose(in_);
    std::fclose(out_);
    waitpid(pid_, nullptr, 0);
  }
  std::vector<double> Ask(const std::string& line) {
    std::fputs((line + "\n").c_str(), in_);
    std::fflush(in_);
    char buf[512];
    if (std::fgets(buf, sizeof buf, out_) == nullptr) Die("peer died on: " + line);
    std::istringstream words(buf);
    std::vector<double> values;
    std::string w;
    while (words >> w) {
      if (w == "ok") continue;
      if (w == "error") Die(std::string("peer: ") + buf);
      values.push_back(std::strtod(w.c_str(), nullptr));
    }
    return values;
  }

 private:
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

struct Args {
  int reps = 7;
  std::string sections = "scw,io,ls";
  bool big = false;
  int64_t io_rows = 131072;  // × 1024 columns × 8 bytes = 1 GiB
  double ls_scale = 1.0;
  int64_t ls_max_d = 1000;  // skip least-squares cases wider than this
};

RowMatrixXd Gaussian(Index n, Index d, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  RowMatrixXd g(n, d);
  for (Index i = 0; i < g.size(); ++i) g.data()[i] = normal(gen);
  return g;
}

// Rank-40 signal with a decaying spectrum plus 1% noise (as bench/lowrank).
RowMatrixXd Synthetic(Index n, Index d, uint64_t seed) {
  MatrixXd left = Gaussian(n, 40, seed);
  for (Index j = 0; j < 40; ++j) left.col(j) *= std::pow(0.9, static_cast<double>(j));
  const MatrixXd right = Gaussian(40, d, seed + 1);
  RowMatrixXd a = Gaussian(n, d, seed + 2) * 0.01;
  a.noalias() += left * right;
  return a;
}

std::string TempDir() {
  char tmpl[] = "/tmp/sketchd_perf_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  return tmpl;
}

void Write(const std::string& path, const RowMatrixXd& a) {
  if (absl::Status s = WriteNpyMatrix(path, a); !s.ok()) Die(std::string(s.message()));
}

void ScwSection(Peer& peer, const Args& args, const std::string& dir) {
  struct Case {
    Index n, d;
    std::vector<int64_t> ms;
  };
  std::vector<Case> cases = {{5760, 1080, {20, 40, 80, 320}}};
  if (args.big) cases.push_back({320000, 500, {20, 80}});
  std::printf("\n== SCW: sketchd ScwLowRank (fresh call) vs NumPy SCW (scipy CWT), k = m/2, "
              "median of %d, ms; load %s\n",
              args.reps, LoadAverage().c_str());
  std::printf("%-12s %5s | %9s %9s %7s | %9s %9s %8s | %7s %7s %7s %7s %7s | %9s %9s %7s\n",
              "n x d", "m", "sketchd", "numpy", "np/sk", "1 pass", "GEMM", "tot/flr", "SA",
              "basis", "AV", "QR+SVD", "‖A‖", "sk relerr", "np relerr", "load1");
  for (const Case& c : cases) {
    const RowMatrixXd a = Synthetic(c.n, c.d, 7);
    const std::string path = dir + "/scw.npy";
    Write(path, a);
    peer.Ask("load scw " + path);
    std::remove(path.c_str());
    for (int64_t m : c.ms) {
      const int64_t k = m / 2;
      auto sketch = CountSketch::Random(m, c.n, 11);
      if (!sketch.ok()) Die(std::string(sketch.status().message()));
      const MatrixXd v = Gaussian(c.d, m, 5).householderQr().householderQ() *
                         MatrixXd::Identity(c.d, m);
      std::vector<double> sk, np, pass, gemm, qrsvd, sa, basis, av, err;
      double sk_err = 0, np_err = 0, sink = 0;
      for (int rep = 0; rep < args.reps; ++rep) {
        auto start = Clock::now();
        auto f = ScwLowRank(*sketch, a, k);
        sk.push_back(Seconds(start));
        if (!f.ok()) Die(std::string(f.status().message()));
        sk_err = f->relative_error;
        qrsvd.push_back(f->timings.svd_seconds);
        sa.push_back(f->timings.sketch_seconds);
        basis.push_back(f->timings.basis_seconds);
        av.push_back(f->timings.project_seconds);
        err.push_back(f->timings.error_seconds);
        const std::vector<double> p =
            peer.Ask("scw scw " + std::to_string(m) + " " + std::to_string(k) + " 11");
        np.push_back(p.at(0));
        np_err = p.at(1);
        start = Clock::now();
        sink += a.squaredNorm();
        pass.push_back(Seconds(start));
        start = Clock::now();
        sink += MultiplyTallByThinBlas(a, v)(0, 0);
        gemm.push_back(Seconds(start));
      }
      const double t = Median(sk), floor = Median(pass) + Median(gemm);
      std::printf(
          "%5ldx%-6ld %5ld | %9.2f %9.2f %6.2fx | %9.2f %9.2f %7.2fx | %7.2f %7.2f %7.2f %7.2f "
          "%7.2f | %9.3e %9.3e %7s\n",
          static_cast<long>(c.n), static_cast<long>(c.d), static_cast<long>(m), 1e3 * t,
          1e3 * Median(np), Median(np) / t, 1e3 * Median(pass), 1e3 * Median(gemm), t / floor,
          1e3 * Median(sa), 1e3 * Median(basis), 1e3 * Median(av), 1e3 * Median(qrsvd),
          1e3 * Median(err), sk_err, np_err, LoadAverage().substr(0, 4).c_str());
      if (sink == 12345.678) std::printf(" ");
    }
    peer.Ask("drop scw");
  }
}

void IoSection(Peer& peer, const Args& args, const std::string& dir) {
  const Index n = args.io_rows, d = 1024;
  const std::string path = dir + "/io.npy";
  {
    const RowMatrixXd a = Synthetic(n, d, 9);
    Write(path, a);
  }
  const int64_t m = 20, k = 10;
  auto sketch = CountSketch::Random(m, n, 3);
  if (!sketch.ok()) Die(std::string(sketch.status().message()));
  std::vector<double> rd, total, np;
  const int reps = std::max(3, args.reps / 2);
  for (int rep = 0; rep < reps; ++rep) {
    auto start = Clock::now();
    auto a = ReadMatrixFile(path);
    if (!a.ok()) Die(std::string(a.status().message()));
    rd.push_back(Seconds(start));
    auto f = ScwLowRank(*sketch, *a, k);
    if (!f.ok()) Die(std::string(f.status().message()));
    total.push_back(Seconds(start));
    a->resize(0, 0);
    np.push_back(peer.Ask("loadscw " + path + " 20 10 3").at(0));
  }
  std::printf("\n== .npy read + SCW (m = 20, k = 10): %ldx%ld float64 (%.2f GB, page cache), "
              "median of %d, s; load %s\n",
              static_cast<long>(n), static_cast<long>(d), 8.0 * n * d / 1e9, reps,
              LoadAverage().c_str());
  std::printf("sketchd read %.3f  read+SCW %.3f | numpy load+SCW %.3f | sketchd/numpy %.2fx\n",
              Median(rd), Median(total), Median(np), Median(total) / Median(np));
  std::remove(path.c_str());
}

void LsSection(Peer& peer, const Args& args, const std::string& dir) {
  struct Case {
    Index n, d;
  };
  const std::vector<Case> cases = {{500000, 50}, {200000, 200}, {100000, 1000}};
  const std::vector<std::string> drivers = {"numpy_lstsq", "gelsd", "gelsy",
                                            "gelss",       "qr",    "normal_cholesky"};
  const int reps = std::max(1, args.reps / 2);
  std::printf("\n== least squares, κ(A) = 1e2 (A = G·diag(s)·H, s log-spaced 1..1e-2, H orthogonal), "
              "median of %d, s; relerr = ‖x − x_lstsq‖/‖x_lstsq‖; load %s\n",
              reps, LoadAverage().c_str());
  for (const Case& c0 : cases) {
    if (c0.d > args.ls_max_d) continue;
    const Index n = static_cast<Index>(static_cast<double>(c0.n) * args.ls_scale), d = c0.d;
    RowMatrixXd a;
    VectorXd b;
    {
      RowMatrixXd g = Gaussian(n, d, 21);
      VectorXd s(d);
      for (Index j = 0; j < d; ++j) s(j) = std::pow(1e-2, static_cast<double>(j) / (d - 1));
      const MatrixXd h =
          (s.asDiagonal() * MatrixXd(Gaussian(d, d, 22).householderQr().householderQ())).eval();
      a = MultiplyTallByThin(g, h);
      g.resize(0, 0);
      const VectorXd x = Gaussian(d, 1, 23).col(0);
      b = a * x + 0.1 * Gaussian(n, 1, 24).col(0) * (a * x).norm() / std::sqrt(double(n));
    }
    Write(dir + "/lsA.npy", a);
    if (absl::Status st = WriteNpyVector(dir + "/lsb.npy", b); !st.ok()) Die(std::string(st.message()));
    peer.Ask("load A " + dir + "/lsA.npy");
    peer.Ask("load b " + dir + "/lsb.npy");
    std::remove((dir + "/lsA.npy").c_str());
    std::remove((dir + "/lsb.npy").c_str());
    std::vector<std::vector<double>> times(drivers.size() + 2);
    VectorXd x_ref, x_lsqr, x_qr;
    int iterations = 0;
    SolveTimings lsqr_timings;
    for (int rep = 0; rep < reps; ++rep) {
      SolveOptions lsqr;
      auto start = Clock::now();
      auto r = Solve(a, b, lsqr);
      times[0].push_back(Seconds(start));
      if (!r.ok()) Die(std::string(r.status().message()));
      x_lsqr = r->x;
      iterations = r->iterations;
      lsqr_timings = r->timings;
      SolveOptions qr;
      qr.solver = Solver::kQr;
      start = Clock::now();
      auto q = Solve(a, b, qr);
      times[1].push_back(Seconds(start));
      if (!q.ok()) Die(std::string(q.status().message()));
      x_qr = q->x;
      for (size_t i = 0; i < drivers.size(); ++i) {
        const std::string out = i == 0 && rep == 0 ? " " + dir + "/x.npy" : "";
        times[i + 2].push_back(peer.Ask("ls A b " + drivers[i] + out).at(0));
      }
      if (rep == 0) {
        auto x = ReadMatrixFile(dir + "/x.npy");
        if (!x.ok()) Die(std::string(x.status().message()));
        x_ref = x->col(0);
        std::remove((dir + "/x.npy").c_str());
      }
    }
    peer.Ask("drop A");
    peer.Ask("drop b");
    const double t_lsqr = Median(times[0]);
    double best_peer = 1e300;
    for (size_t i = 0; i + 1 < drivers.size(); ++i) best_peer = std::min(best_peer, Median(times[i + 2]));
    std::printf("%7ldx%-5ld | sketchd lsqr %7.3f (%d it, relerr %.1e)  sketchd qr %7.3f (relerr %.1e)"
                " | load %s\n",
                static_cast<long>(n), static_cast<long>(d), t_lsqr, iterations,
                (x_lsqr - x_ref).norm() / x_ref.norm(), Median(times[1]),
                (x_qr - x_ref).norm() / x_ref.norm(), LoadAverage().substr(0, 4).c_str());
    std::printf("              sketchd lsqr: sketch %.3f factor %.3f iterate %.3f\n              ",
                lsqr_timings.sketch_seconds, lsqr_timings.factor_seconds,
                lsqr_timings.iterate_seconds);
    for (size_t i = 0; i < drivers.size(); ++i) {
      std::printf(" %s %.3f (%.2fx)", drivers[i].c_str(), Median(times[i + 2]),
                  Median(times[i + 2]) / t_lsqr);
    }
    std::printf("\n              lsqr vs fastest NumPy/SciPy LS driver: %.2fx faster; "
                "lsqr / normal-equations Cholesky: %.2fx\n",
                best_peer / t_lsqr, t_lsqr / Median(times[drivers.size() + 1]));
  }
}

Args Parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + flag);
      return argv[++i];
    };
    if (flag == "--reps") {
      args.reps = std::max(1, std::atoi(value().c_str()));
    } else if (flag == "--sections") {
      args.sections = value();
    } else if (flag == "--big") {
      args.big = true;
    } else if (flag == "--io-rows") {
      args.io_rows = std::max<int64_t>(1024, std::atoll(value().c_str()));
    } else if (flag == "--ls-max-d") {
      args.ls_max_d = std::atoll(value().c_str());
    } else if (flag == "--ls-scale") {
      args.ls_scale = std::clamp(std::atof(value().c_str()), 0.01, 1.0);
    } else {
      Die("unknown flag " + flag);
    }
  }
  return args;
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) {
  sketchd::BoundBlasWorkerSpinning();  // as sketchd's binaries do
  using namespace sketchd;
  const Args args = Parse(argc, argv);
  const std::string dir = TempDir();
  {
    Peer peer(std::string(SKETCHD_SOURCE_DIR) + "/bench/perf/peers.py");
    std::printf("perf_bench: sketchd vs NumPy/SciPy, interleaved; OpenBLAS for both; load %s\n",
                LoadAverage().c_str());
    if (args.sections.find("scw") != std::string::npos) ScwSection(peer, args, dir);
    if (args.sections.find("io") != std::string::npos) IoSection(peer, args, dir);
    if (args.sections.find("ls") != std::string::npos) LsSection(peer, args, dir);
  }
  rmdir(dir.c_str());
  return 0;
}
