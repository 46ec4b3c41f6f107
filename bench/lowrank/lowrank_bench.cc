// lowrank_bench: where the time of one SCW low-rank approximation goes, next
// to the two costs it cannot beat (one pass over A, the n×d×r GEMM AV) and
// the exact truncated SVD it replaces, all measured in one run.
//
//   build/bench/lowrank/lowrank_bench [--data ../shared/data] [--reps 7] [--no-exact]
//
// Matrices: "synthetic" = rank-40 signal with decaying spectrum + 1% noise;
// "vtest" = frames of ../shared/data/vtest_frames_u8.npy (288×384) tiled
// row-major into the target shape (5760×1080: 20 frames high × 3 wide, cropped;
// 1080×1920: 4×5 frames, cropped) and scaled to [0, 1].
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/io/npy_reader.h"
#include "core/lowrank/exact_svd.h"
#include "core/lowrank/low_rank_error.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/blas_threads.h"
#include "core/sketch/count_sketch.h"
#include "core/sketch/gaussian_sketch.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

// Median wall time of `reps` runs of fn, in milliseconds.
double MedianMs(int reps, const std::function<void()>& fn) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

RowMatrixXd Synthetic(Index n, Index d, uint64_t seed) {
  auto left = GaussianSketch::Create(n, 40, seed);
  auto right = GaussianSketch::Create(40, d, seed + 1);
  auto noise = GaussianSketch::Create(n, d, seed + 2);
  MatrixXd l = left->ToDense();
  for (Index j = 0; j < 40; ++j) l.col(j) *= std::pow(0.9, static_cast<double>(j));
  return RowMatrixXd(l * right->ToDense() + 0.01 * noise->ToDense());
}

absl::StatusOr<RowMatrixXd> TiledFrames(const std::string& path, Index n, Index d) {
  auto reader = NpyReader::Open(path);
  if (!reader.ok()) return reader.status();
  const Index fr = reader->rows(), fc = reader->cols();
  RowMatrixXd out(n, d);
  int64_t frame = 0;
  for (Index r0 = 0; r0 < n; r0 += fr) {
    for (Index c0 = 0; c0 < d; c0 += fc) {
      auto f = reader->ReadMatrix(frame++ % reader->matrix_count());
      if (!f.ok()) return f.status();
      const Index rows = std::min(fr, n - r0), cols = std::min(fc, d - c0);
      out.block(r0, c0, rows, cols) = f->topLeftCorner(rows, cols) / 255.0;
    }
  }
  return out;
}

void Run(const std::string& kind, const RowMatrixXd& a, int reps, bool exact) {
  const Index n = a.rows(), d = a.cols();
  double sink = 0;
  const double pass_ms = MedianMs(reps, [&] { sink += a.sum(); });
  double exact_ms = 0;
  VectorXd sigma;
  if (exact) {
    const MatrixXd col = a;
    exact_ms = MedianMs(1, [&] { sink += ExactTruncatedSvd(col, 10)->singular_values(0); });
    sigma = *SingularValues(col);
  }
  for (int m : {20, 40, 60}) {
    const int k = m / 2;
    const MatrixXd q = MatrixXd::Identity(d, m);  // any d×m operand: GEMM cost is shape-only
    MatrixXd product(n, m);
    const double gemm_eigen_ms = MedianMs(reps, [&] { product.noalias() = a * q; });
    const double gemm_blas_ms = MedianMs(reps, [&] {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, d, 1.0, a.data(), d,
                  RowMatrixXd(q).data(), m, 0.0, product.data(), m);
    });
    auto sketch = CountSketch::Random(m, n, 1);
    LowRankFactors best;
    std::vector<LowRankFactors> runs;
    const double total_ms = MedianMs(reps, [&] { runs.push_back(*ScwLowRank(*sketch, a, k)); });
    std::sort(runs.begin(), runs.end(), [](const auto& x, const auto& y) {
      return x.timings.total_seconds < y.timings.total_seconds;
    });
    const LowRankTimings& t = runs[runs.size() / 2].timings;
    const double floor_ms = pass_ms + std::min(gemm_eigen_ms, gemm_blas_ms);
    std::printf("%-9s %5ldx%-5ld %3d %3d | %7.2f %7.2f %7.2f %7.2f %8.2f | %7.2f %8.2f %8.2f | %5.2fx",
                kind.c_str(), static_cast<long>(n), static_cast<long>(d), m, k,
                1e3 * t.sketch_seconds, 1e3 * t.basis_seconds, 1e3 * t.project_seconds,
                1e3 * t.svd_seconds, total_ms, pass_ms, gemm_eigen_ms, gemm_blas_ms,
                total_ms / floor_ms);
    if (exact) {
      const auto& f = runs.front();
      const double rel = EvaluateLowRankWithOptimum(a, f.left, f.right,
                                                    OptimalLowRankError(sigma, k)).relative_excess;
      std::printf(" | %9.1f %7.1fx %9.2e", exact_ms, exact_ms / total_ms, rel);
    }
    std::printf("\n");
  }
  if (sink == 42.0) std::printf(" ");  // keep the timed work observable
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) {
  sketchd::BoundBlasWorkerSpinning();  // as sketchd's binaries do
  std::string data = "../shared/data";
  int reps = 7;
  bool exact = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--no-exact")) exact = false;
    else {
      std::fprintf(stderr, "usage: %s [--data DIR] [--reps N] [--no-exact]\n", argv[0]);
      return 2;
    }
  }
  std::printf("SCW with a random CountSketch (k = m/2); times in ms, median of %d; Eigen %d.%d.%d, "
              "OpenBLAS threads %d\n", reps, EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
              EIGEN_MINOR_VERSION, openblas_get_num_threads());
  std::printf("%-9s %11s %3s %3s | %7s %7s %7s %7s %8s | %7s %8s %8s | %6s", "matrix", "n x d", "m",
              "k", "SA", "basis", "AV", "QR+SVD", "total", "1 pass", "GEMM", "GEMM-ob",
              "tot/(pass+best GEMM)");
  if (exact) std::printf(" | %9s %8s %9s", "exact SVD", "speedup", "rel.exc");
  std::printf("\n");
  for (auto [n, d] : {std::pair<long, long>{5760, 1080}, {1080, 1920}}) {
    sketchd::Run("synthetic", sketchd::Synthetic(n, d, 7), reps, exact);
    auto frames = sketchd::TiledFrames(data + "/vtest_frames_u8.npy", n, d);
    if (frames.ok()) {
      sketchd::Run("vtest", *frames, reps, exact);
    } else {
      std::fprintf(stderr, "skipping vtest: %s\n", std::string(frames.status().message()).c_str());
    }
  }
  return 0;
}
