// accuracy: learned vs random CountSketch for SCW low-rank approximation on a
// family of real matrices (the papers' experiment).
//
//   accuracy --train FAMILY.npy|DIR [--test FAMILY.npy|DIR | --split 0.8 --split-seed 0]
//            [--km 10:20,20:40 | --k 10 --m 20] [--methods random,ivy,...]
//            [--seed 0] [--threads 0] [--iterations N] [--learning-rate LR] [--time-budget S]
//            [--json] [--csv out.csv] [--png out.png]
//
// Every matrix is scaled to top singular value 1. The figure is the mean over
// the test matrices of ‖A − YZᵀ‖_F − ‖A − A_k‖_F; `random` is the mean over
// three random CountSketches (seeds 0, 1, 2) and every ratio is taken against
// it within this run. Learned sketches train on the whole training split
// (validation_fraction = 0); train_s is TrainedSketch::train_seconds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/accuracy/family_split.h"
#include "core/parallel/blas_threads.h"
#include "core/sketch/count_sketch.h"
#include "core/training/train_low_rank.h"
#include "core/training/training_set.h"
#include "core/training/validation.h"

namespace sketchd {
namespace {

struct Args {
  std::string train, test, csv, png;
  double split = 0.8;
  uint64_t split_seed = 0;
  std::vector<std::pair<int64_t, int64_t>> km;
  std::vector<std::string> methods = {"random", "ivy", "mixed", "inner_product",
                                      "inner_product_refined", "greedy"};
  uint64_t seed = 0;
  int threads = 0;
  int iterations = 0;
  double learning_rate = 0;
  double time_budget = 0;
  bool json = false;
};

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr,
               "error: %s\nusage: accuracy --train PATH [--test PATH | --split 0.8 --split-seed 0]\n"
               "  [--km 10:20,20:40 | --k 10[,20] --m 20[,40]] [--methods a,b,...]\n"
               "  [--seed S] [--threads T] [--iterations N] [--learning-rate LR] [--time-budget S]\n"
               "  [--json] [--csv out.csv] [--png out.png]\n"
               "methods: random ivy mixed mixed_separate inner_product inner_product_refined\n"
               "         inner_product_appended greedy greedy_refined subspace\n",
               error.c_str());
  std::exit(2);
}

std::vector<int64_t> IntList(const std::string& s) {
  std::vector<int64_t> out;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    int64_t v;
    if (!absl::SimpleAtoi(part, &v)) Usage("bad integer list: " + s);
    out.push_back(v);
  }
  return out;
}

Args Parse(int argc, char** argv) {
  Args a;
  std::vector<int64_t> ks, ms;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + flag);
      return argv[++i];
    };
    if (flag == "--train") a.train = value();
    else if (flag == "--test") a.test = value();
    else if (flag == "--split") { if (!absl::SimpleAtod(value(), &a.split)) Usage("bad --split"); }
    else if (flag == "--split-seed") { if (!absl::SimpleAtoi(value(), &a.split_seed)) Usage("bad --split-seed"); }
    else if (flag == "--seed") { if (!absl::SimpleAtoi(value(), &a.seed)) Usage("bad --seed"); }
    else if (flag == "--threads") { if (!absl::SimpleAtoi(value(), &a.threads)) Usage("bad --threads"); }
    else if (flag == "--iterations") { if (!absl::SimpleAtoi(value(), &a.iterations)) Usage("bad --iterations"); }
    else if (flag == "--learning-rate") { if (!absl::SimpleAtod(value(), &a.learning_rate)) Usage("bad --learning-rate"); }
    else if (flag == "--time-budget") { if (!absl::SimpleAtod(value(), &a.time_budget)) Usage("bad --time-budget"); }
    else if (flag == "--k") ks = IntList(value());
    else if (flag == "--m") ms = IntList(value());
    else if (flag == "--km") {
      auto km = ParseRankSketchPairs(value());
      if (!km.ok()) Usage(std::string(km.status().message()));
      a.km = *std::move(km);
    } else if (flag == "--methods") {
      a.methods = absl::StrSplit(value(), ',');
    } else if (flag == "--json") a.json = true;
    else if (flag == "--csv") a.csv = value();
    else if (flag == "--png") a.png = value();
    else Usage("unknown flag " + flag);
  }
  if (a.train.empty()) Usage("--train is required");
  if (!(a.split > 0 && a.split < 1)) Usage("--split must be in (0, 1)");
  if (a.km.empty()) {
    if (ks.empty()) ks = {10};
    if (ms.empty()) ms = {2 * ks[0]};
    if (ks.size() == ms.size()) {
      for (size_t i = 0; i < ks.size(); ++i) a.km.push_back({ks[i], ms[i]});
    } else {
      for (int64_t k : ks) for (int64_t m : ms) a.km.push_back({k, m});
    }
  }
  return a;
}

bool Configure(const std::string& method, TrainOptions* o) {
  o->refine_values = false;
  o->mixed_joint = true;
  o->append_sampled_rows = false;
  if (method == "random") o->method = TrainMethod::kRandom;
  else if (method == "ivy") o->method = TrainMethod::kIvy;
  else if (method == "mixed") o->method = TrainMethod::kMixed;
  else if (method == "mixed_separate") { o->method = TrainMethod::kMixed; o->mixed_joint = false; }
  else if (method == "inner_product") o->method = TrainMethod::kInnerProduct;
  else if (method == "inner_product_refined") { o->method = TrainMethod::kInnerProduct; o->refine_values = true; }
  else if (method == "inner_product_appended") { o->method = TrainMethod::kInnerProduct; o->append_sampled_rows = true; }
  else if (method == "greedy") o->method = TrainMethod::kGreedy;
  else if (method == "greedy_refined") { o->method = TrainMethod::kGreedy; o->refine_values = true; }
  else if (method == "subspace") o->method = TrainMethod::kSubspace;
  else return false;
  return true;
}

struct Row {
  std::string method;
  int64_t k, m;
  double excess, ratio_random, ratio_ivy, train_seconds;
  std::string notes;
};

int Run(const Args& args) {
  auto train_all = LoadFamily(args.train);
  if (!train_all.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(train_all.status().message()).c_str());
    return 1;
  }
  std::vector<RowMatrixXd> train, test;
  std::string split_desc;
  if (!args.test.empty()) {
    auto t = LoadFamily(args.test);
    if (!t.ok()) {
      std::fprintf(stderr, "error: %s\n", std::string(t.status().message()).c_str());
      return 1;
    }
    train = *std::move(train_all);
    test = *std::move(t);
    split_desc = "given test set";
  } else {
    const FamilySplit split = SplitFamily(static_cast<int64_t>(train_all->size()), args.split,
                                          args.split_seed);
    for (int64_t i : split.train) train.push_back((*train_all)[i]);
    for (int64_t i : split.test) test.push_back((*train_all)[i]);
    split_desc = absl::StrFormat("random split %.2f, split seed %d", args.split, args.split_seed);
  }
  std::printf("# train %zu matrices %ldx%ld, test %zu (%s)\n", train.size(),
              static_cast<long>(train[0].rows()), static_cast<long>(train[0].cols()), test.size(),
              split_desc.c_str());

  const int threads = args.threads;
  TrainingControl control(nullptr, nullptr, 0);
  std::vector<Row> rows;
  for (auto [k, m] : args.km) {
    std::vector<int64_t> all(test.size());
    for (size_t i = 0; i < test.size(); ++i) all[i] = static_cast<int64_t>(i);
    auto test_set = PrepareTrainingMatrices(test, all, true, k, threads == 0 ? 2 : threads, control);
    if (!test_set.ok()) {
      std::fprintf(stderr, "error: %s\n", std::string(test_set.status().message()).c_str());
      return 1;
    }
    // Baseline: three random CountSketches.
    double random = 0;
    for (uint64_t s = 0; s < 3; ++s) {
      auto sketch = CountSketch::Random(m, test[0].rows(), s);
      random += *MeanExcessError(*sketch, *test_set, k, threads == 0 ? 2 : threads, control) / 3;
    }
    double ivy = -1;
    for (const std::string& method : args.methods) {
      Row row{method, k, m, 0, 0, 0, 0, ""};
      if (method == "random") {
        row.excess = random;
      } else {
        TrainOptions o;
        if (!Configure(method, &o)) Usage("unknown method " + method);
        o.k = k;
        o.m = m;
        o.seed = args.seed;
        o.threads = threads;
        o.iterations = args.iterations;
        o.learning_rate = args.learning_rate;
        o.time_budget_seconds = args.time_budget;
        o.validation_fraction = 0;
        auto trained = TrainLowRankSketch(train, o, nullptr, nullptr);
        if (!trained.ok()) {
          std::fprintf(stderr, "error: %s k=%ld m=%ld: %s\n", method.c_str(), static_cast<long>(k),
                       static_cast<long>(m), std::string(trained.status().message()).c_str());
          return 1;
        }
        const int eval_threads = threads == 0 ? 2 : threads;
        auto err = trained->is_dense()
                       ? MeanExcessErrorDense(trained->dense, *test_set, k, eval_threads, control)
                       : MeanExcessError(trained->sketch, *test_set, k, eval_threads, control);
        row.excess = *err;
        row.train_seconds = trained->train_seconds;
        row.notes = trained->notes;
      }
      if (method == "ivy") ivy = row.excess;
      row.ratio_random = random > 0 ? row.excess / random : 0;
      // Partial results as they come (runs can be long); the table follows.
      std::fprintf(stderr, "# %s k=%ld m=%ld: test excess %.6f (%.3fx random), train %.2f s\n",
                   method.c_str(), static_cast<long>(k), static_cast<long>(m), row.excess,
                   row.ratio_random, row.train_seconds);
      rows.push_back(row);
    }
    for (Row& r : rows) {
      if (r.k == k && r.m == m) r.ratio_ivy = ivy > 0 ? r.excess / ivy : 0;
    }
  }

  std::printf("%-24s %4s %4s %14s %10s %8s %9s\n", "method", "k", "m", "test_excess", "vs_random",
              "vs_ivy", "train_s");
  for (const Row& r : rows) {
    std::printf("%-24s %4ld %4ld %14.6f %10.3f %8s %9.2f\n", r.method.c_str(),
                static_cast<long>(r.k), static_cast<long>(r.m), r.excess, r.ratio_random,
                r.ratio_ivy > 0 ? absl::StrFormat("%.3f", r.ratio_ivy).c_str() : "-",
                r.train_seconds);
  }
  if (args.json) {
    std::printf("[");
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::string notes;
      for (char c : r.notes) {
        if (c == '"' || c == '\\') notes += '\\';
        notes += c;
      }
      std::printf("%s{\"method\":\"%s\",\"k\":%ld,\"m\":%ld,\"test_excess\":%.9g,"
                  "\"ratio_random\":%.6g,\"ratio_ivy\":%.6g,\"train_seconds\":%.4f,\"notes\":\"%s\"}",
                  i ? ",\n " : "", r.method.c_str(), static_cast<long>(r.k),
                  static_cast<long>(r.m), r.excess, r.ratio_random, r.ratio_ivy, r.train_seconds,
                  notes.c_str());
    }
    std::printf("]\n");
  }
  if (!args.csv.empty() || !args.png.empty()) {
    std::string csv = "method,k,m,test_excess,ratio_random,ratio_ivy,train_seconds\n";
    for (const Row& r : rows) {
      csv += absl::StrFormat("%s,%d,%d,%.9g,%.6g,%.6g,%.4f\n", r.method, r.k, r.m, r.excess,
                             r.ratio_random, r.ratio_ivy, r.train_seconds);
    }
    if (!args.csv.empty()) {
      FILE* f = std::fopen(args.csv.c_str(), "w");
      if (f == nullptr) {
        std::fprintf(stderr, "error: cannot write %s\n", args.csv.c_str());
        return 1;
      }
      std::fputs(csv.c_str(), f);
      std::fclose(f);
    }
    if (!args.png.empty()) {
      // Bench-only convenience: matplotlib through the system python.
      if (!std::filesystem::exists("/usr/bin/python3")) {
        std::printf("# note: /usr/bin/python3 not found, --png skipped\n");
      } else {
        const std::string script = absl::StrCat(
            "import sys, csv, io\n"
            "try:\n"
            "    import matplotlib\n"
            "    matplotlib.use('Agg')\n"
            "    import matplotlib.pyplot as plt\n"
            "except ImportError:\n"
            "    print('# note: matplotlib not available, --png skipped'); sys.exit(0)\n"
            "rows = list(csv.DictReader(io.StringIO(sys.stdin.read())))\n"
            "kms = sorted({(int(r['k']), int(r['m'])) for r in rows})\n"
            "methods = list(dict.fromkeys(r['method'] for r in rows))\n"
            "w = 0.8 / max(1, len(methods))\n"
            "fig, ax = plt.subplots(figsize=(8, 4.5))\n"
            "for i, meth in enumerate(methods):\n"
            "    ys = [next((float(r['test_excess']) for r in rows if r['method'] == meth and"
            " (int(r['k']), int(r['m'])) == km), 0) for km in kms]\n"
            "    ax.bar([j + i * w for j in range(len(kms))], ys, w, label=meth)\n"
            "ax.set_xticks([j + 0.4 - w / 2 for j in range(len(kms))])\n"
            "ax.set_xticklabels(['k=%d m=%d' % km for km in kms])\n"
            "ax.set_yscale('log'); ax.set_ylabel('mean test excess error (normalised)')\n"
            "ax.legend(fontsize=8); fig.tight_layout(); fig.savefig(sys.argv[1], dpi=120)\n");
        const std::string script_path =
            (std::filesystem::temp_directory_path() / "sketchd_accuracy_plot.py").string();
        FILE* sf = std::fopen(script_path.c_str(), "w");
        if (sf != nullptr) {
          std::fputs(script.c_str(), sf);
          std::fclose(sf);
          const std::string cmd = absl::StrCat("/usr/bin/python3 '", script_path, "' '", args.png, "'");
          FILE* pipe = popen(cmd.c_str(), "w");
          if (pipe != nullptr) {
            std::fputs(csv.c_str(), pipe);
            const int rc = pclose(pipe);
            if (rc != 0) std::printf("# note: plotting failed (exit %d)\n", rc);
          }
          std::remove(script_path.c_str());
        }
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) {
  sketchd::BoundBlasWorkerSpinning();  // as sketchd's binaries do
  return sketchd::Run(sketchd::Parse(argc, argv));
}
