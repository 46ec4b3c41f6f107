// pareto: error against cost for sketchd's low-rank options on held-out
// matrices of a family, one CSV row per (option, matrix). pareto.py runs it,
// runs the scikit-learn / SciPy peers on the same test matrices (the indices
// printed in the `# test` line), and prints the Pareto fronts.
//
//   pareto --family FAMILY.npy --name vtest [--split 0.8 --split-seed 0]
//          [--km 10:20,20:40] [--q 0,1,2] [--reps 3]
//
// Options: random CountSketch (seed = test index), inner_product (Li et al.;
// trained on the training split), subspace (dense learned sketch), each with
// q power iterations (2 + 2q passes over A), and for q ≥ 1 each again as
// block Krylov ("<option>_krylov": the answer from the span of all
// iterates, same passes, wider last product). seconds = median over reps of
// the whole request in core (sketch, SCW, exact error), a fresh call each
// time (cold buffers, as a caller sees it). rel_excess = error/‖A − A_k‖_F − 1
// with the error SCW reports and the optimum from LAPACK gesdd.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/accuracy/family_split.h"
#include "core/lowrank/dense_kernels.h"
#include "core/lowrank/exact_svd.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/parallel/blas_threads.h"
#include "core/sketch/count_sketch.h"
#include "core/training/subspace_sketch.h"
#include "core/training/train_low_rank.h"
#include "core/training/training_set.h"

namespace sketchd {
namespace {

struct Args {
  std::string family, name = "family";
  double split = 0.8;
  uint64_t split_seed = 0;
  std::vector<std::pair<int64_t, int64_t>> km = {{10, 20}, {20, 40}};
  std::vector<int64_t> q = {0, 1, 2};
  int reps = 3;
};

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr,
               "error: %s\nusage: pareto --family PATH [--name NAME] [--split 0.8] "
               "[--split-seed 0] [--km 10:20,20:40] [--q 0,1,2] [--reps 3]\n",
               error.c_str());
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + flag);
      return argv[++i];
    };
    if (flag == "--family") a.family = value();
    else if (flag == "--name") a.name = value();
    else if (flag == "--split") { if (!absl::SimpleAtod(value(), &a.split)) Usage("bad --split"); }
    else if (flag == "--split-seed") { if (!absl::SimpleAtoi(value(), &a.split_seed)) Usage("bad --split-seed"); }
    else if (flag == "--reps") { if (!absl::SimpleAtoi(value(), &a.reps) || a.reps < 1) Usage("bad --reps"); }
    else if (flag == "--q") {
      a.q.clear();
      for (absl::string_view part : absl::StrSplit(value(), ',')) {
        int64_t q;
        if (!absl::SimpleAtoi(part, &q) || q < 0) Usage("bad --q");
        a.q.push_back(q);
      }
    } else if (flag == "--km") {
      auto km = ParseRankSketchPairs(value());
      if (!km.ok()) Usage(std::string(km.status().message()));
      a.km = *std::move(km);
    } else Usage("unknown flag " + flag);
  }
  if (a.family.empty()) Usage("--family is required");
  if (!(a.split > 0 && a.split < 1)) Usage("--split must be in (0, 1)");
  return a;
}

double MedianSeconds(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// One low-rank request on A with a given option: the factors' error.
using Option = std::function<absl::StatusOr<LowRankFactors>(const RowMatrixXd& a, int64_t index,
                                                            const LowRankOptions& options)>;

int Run(const Args& args) {
  auto family = LoadFamily(args.family);
  if (!family.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(family.status().message()).c_str());
    return 1;
  }
  const FamilySplit split = SplitFamily(static_cast<int64_t>(family->size()), args.split,
                                        args.split_seed);
  std::vector<RowMatrixXd> train;
  for (int64_t i : split.train) train.push_back((*family)[i]);
  const int64_t n = train[0].rows();
  std::printf("# family %s: %zu matrices %ldx%ld, train %zu, test %zu (split %.2f, seed %lu)\n",
              args.name.c_str(), family->size(), static_cast<long>(n),
              static_cast<long>(train[0].cols()), split.train.size(), split.test.size(), args.split,
              static_cast<unsigned long>(args.split_seed));
  std::printf("# test %s\n", absl::StrJoin(split.test, ",").c_str());
  std::printf("dataset,k,m,method,q,passes,matrix,rel_excess,seconds\n");

  TrainingControl control(nullptr, nullptr, 0);
  std::vector<int64_t> all(train.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  auto prepared = PrepareTrainingMatrices(train, all, false, 1, 2, control);
  if (!prepared.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(prepared.status().message()).c_str());
    return 1;
  }

  for (auto [k, m] : args.km) {
    std::vector<double> optimal;
    for (int64_t i : split.test) {
      auto sigma = SingularValues(MatrixXd((*family)[i]));
      if (!sigma.ok()) return 1;
      optimal.push_back(OptimalLowRankError(*sigma, k));
    }
    TrainOptions o;
    o.method = TrainMethod::kInnerProduct;
    o.k = k;
    o.m = m;
    o.validation_fraction = 0;
    auto start = std::chrono::steady_clock::now();
    auto inner = TrainLowRankSketch(train, o, nullptr, nullptr);
    const double inner_train =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    start = std::chrono::steady_clock::now();
    auto subspace = TrainSubspaceSketch(*prepared, m, 0, control);
    const double subspace_train =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!inner.ok() || !subspace.ok()) {
      std::fprintf(stderr, "error: training failed: %s %s\n",
                   std::string(inner.status().message()).c_str(),
                   std::string(subspace.status().message()).c_str());
      return 1;
    }
    std::printf("# k=%ld m=%ld train seconds: inner_product %.3f, subspace %.3f\n",
                static_cast<long>(k), static_cast<long>(m), inner_train, subspace_train);
    const MatrixXd subspace_t = subspace->transpose();  // n×m, for (SA)ᵀ = Aᵀ Sᵀ
    const std::vector<std::pair<std::string, Option>> options = {
        {"random",
         [&](const RowMatrixXd& a, int64_t index, const LowRankOptions& lo) {
           return ScwLowRank(*CountSketch::Random(m, n, static_cast<uint64_t>(index)), a, k, lo);
         }},
        {"inner_product",
         [&](const RowMatrixXd& a, int64_t, const LowRankOptions& lo) {
           return ScwLowRank(inner->sketch, a, k, lo);
         }},
        {"subspace",
         [&](const RowMatrixXd& a, int64_t, const LowRankOptions& lo) {
           const MatrixXd sketched = MultiplyTransposeByThin(a, subspace_t).transpose();
           return ScwFromSketched(sketched, a, k, lo);
         }},
    };
    // Interleaved: every option on one matrix before the next matrix.
    for (size_t t = 0; t < split.test.size(); ++t) {
      const RowMatrixXd& a = (*family)[split.test[t]];
      for (const auto& [base_name, run] : options) {
        for (int64_t q : args.q) {
        // Each option also as block Krylov (same passes; identical at q = 0).
        for (bool krylov : {false, true}) {
          if (krylov && q == 0) continue;
          const std::string name = krylov ? base_name + "_krylov" : base_name;
          LowRankOptions lo;
          lo.power_iters = q;
          lo.block_krylov = krylov;
          absl::StatusOr<LowRankFactors> f;
          const double seconds =
              MedianSeconds(args.reps, [&] { f = run(a, split.test[t], lo); });
          if (!f.ok()) {
            std::fprintf(stderr, "error: %s: %s\n", name.c_str(),
                         std::string(f.status().message()).c_str());
            return 1;
          }
          std::printf("%s,%ld,%ld,%s,%ld,%ld,%ld,%.9g,%.6g\n", args.name.c_str(),
                      static_cast<long>(k), static_cast<long>(m), name.c_str(),
                      static_cast<long>(q), static_cast<long>(f->passes),
                      static_cast<long>(split.test[t]),
                      optimal[t] > 0 ? f->error / optimal[t] - 1 : 0.0, seconds);
        }
        }
      }
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) {
  sketchd::BoundBlasWorkerSpinning();  // as sketchd's binaries do
  return sketchd::Run(sketchd::Parse(argc, argv));
}
