// sketchmpi on P = 1, 2, 4 ranks (mpirun --oversubscribe): wall time, bytes
// each rank sent and received (counted by the Communicator), and peak RSS per
// rank, for lowrank, lsqr and ihs solve on n×d matrices and for train (ivy,
// inner_product) on a set of training matrices, written to a scratch
// directory. Ratios are against the P = 1 run of the same case in the same
// invocation.
//
// The point on a 2-core machine is memory and communication, not speed-up:
// each rank holds ~n·d/P doubles plus O(m·d), and moves O((m·d + r²)·log P)
// bytes; the wall time of P > 2 ranks on 2 cores can only grow.
//
//   build/bench/mpi/mpi_bench [--rows 100000,1000000] [--cols 64] [--m 32] [--k 10]
//                             [--ranks 1,2,4] [--dir /tmp] [--keep]
//                             [--tasks lowrank,lsqr,ihs,train_ivy,train_ip]
//                             [--train-files 48] [--train-rows 4000] [--train-iters 30]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "client/json.h"
#include "core/io/binary_file.h"
#include "core/io/element_type.h"
#include "core/io/npy_header.h"
#include "core/sketch/philox.h"

namespace {

namespace fs = std::filesystem;
using sketchd::Json;

struct Options {
  std::vector<int64_t> rows = {100000, 1000000};
  int64_t cols = 64, m = 32, k = 10;
  std::vector<int> ranks = {1, 2, 4};
  std::string dir = fs::temp_directory_path().string();
  bool keep = false;
  // lowrank, lsqr, ihs on each --rows; train_ivy, train_ip on a training set
  // of --train-files matrices of --train-rows × --train-cols.
  std::vector<std::string> tasks = {"lowrank", "lsqr", "ihs", "train_ivy", "train_ip"};
  int64_t train_files = 48, train_rows = 4000, train_cols = 64, train_m = 20, train_k = 5;
  int64_t train_iters = 30, train_batch = 16;
};

// Rank-16 signal plus noise, written row block by row block (the bench
// never holds the whole matrix either). Values from Philox, so every run
// writes the same file.
bool WriteMatrix(const std::string& path, int64_t n, int64_t d, uint64_t seed) {
  auto file = sketchd::OutputFile::Create(path);
  if (!file.ok()) return false;
  if (!file->Append(sketchd::EncodeNpyHeader(sketchd::ElementType::kFloat64, false, {n, d})).ok()) {
    return false;
  }
  constexpr int kRank = 16;
  std::vector<double> right(kRank * d);
  for (int64_t i = 0; i < kRank * d; ++i) {
    right[i] = sketchd::PhiloxStandardNormal(seed, 1, i) * std::pow(0.7, static_cast<double>(i / d));
  }
  const int64_t block = 4096;
  std::vector<double> values;
  std::string bytes;
  for (int64_t r0 = 0; r0 < n; r0 += block) {
    const int64_t count = std::min(block, n - r0);
    values.assign(count * d, 0.0);
    for (int64_t i = 0; i < count; ++i) {
      for (int c = 0; c < kRank; ++c) {
        const double left = sketchd::PhiloxStandardNormal(seed, 2, (r0 + i) * kRank + c);
        for (int64_t j = 0; j < d; ++j) values[i * d + j] += left * right[c * d + j];
      }
      for (int64_t j = 0; j < d; ++j) {
        values[i * d + j] += 1e-2 * sketchd::PhiloxStandardNormal(seed, 3, (r0 + i) * d + j);
      }
    }
    bytes.resize(values.size() * sizeof(double));
    sketchd::DoubleToLittleEndian(sketchd::ElementType::kFloat64, values.data(),
                                  static_cast<int64_t>(values.size()), bytes.data());
    if (!file->Append(bytes).ok()) return false;
  }
  return file->Close().ok();
}

struct Run {
  bool ok = false;
  double wall_seconds = 0;
  Json json;
  std::string error;
};

Run Launch(int ranks, const std::string& args, const std::string& scratch) {
  const std::string out = scratch + "/run.json", err = scratch + "/run.err";
  const std::string cmd = absl::StrCat(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 ",
      MPIEXEC_PATH, " --oversubscribe -np ", ranks, " ", SKETCHMPI_PATH, " --json ", args, " >",
      out, " 2>", err);
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  Run run;
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  auto json = Json::Parse(text.str());
  if (status != 0 || !json.ok()) {
    std::ifstream e(err);
    std::stringstream etext;
    etext << e.rdbuf();
    run.error = etext.str();
    return run;
  }
  run.ok = true;
  run.json = std::move(*json);
  return run;
}

int CeilLog2(int p) {
  int rounds = 0;
  while ((1 << rounds) < p) ++rounds;
  return rounds;
}

struct RankMax {
  int64_t bytes = 0;     // max over ranks of sent + received
  int64_t rss = 0;       // max over ranks of peak RSS
};

RankMax MaxOverRanks(const Json& json) {
  RankMax out;
  for (const Json& r : json.Find("rank_figures")->items()) {
    out.bytes = std::max(out.bytes, r.Find("bytes_sent")->as_int() + r.Find("bytes_received")->as_int());
    out.rss = std::max(out.rss, r.Find("peak_rss_bytes")->as_int());
  }
  return out;
}

bool ParseList(const std::string& text, std::vector<int64_t>* out) {
  out->clear();
  for (absl::string_view piece : absl::StrSplit(text, ',')) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(piece, &v) || v < 1) return false;
    out->push_back(v);
  }
  return !out->empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << name << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    std::vector<int64_t> list;
    bool ok = true;
    if (arg == "--rows") {
      ok = ParseList(value("--rows"), &o.rows);
    } else if (arg == "--ranks") {
      ok = ParseList(value("--ranks"), &list);
      o.ranks.assign(list.begin(), list.end());
    } else if (arg == "--cols") {
      ok = absl::SimpleAtoi(value("--cols"), &o.cols) && o.cols >= 1;
    } else if (arg == "--m") {
      ok = absl::SimpleAtoi(value("--m"), &o.m) && o.m >= 1;
    } else if (arg == "--k") {
      ok = absl::SimpleAtoi(value("--k"), &o.k) && o.k >= 1;
    } else if (arg == "--dir") {
      o.dir = value("--dir");
    } else if (arg == "--keep") {
      o.keep = true;
    } else if (arg == "--tasks") {
      o.tasks = absl::StrSplit(value("--tasks"), ',');
    } else if (arg == "--train-files") {
      ok = absl::SimpleAtoi(value("--train-files"), &o.train_files) && o.train_files >= 2;
    } else if (arg == "--train-rows") {
      ok = absl::SimpleAtoi(value("--train-rows"), &o.train_rows) && o.train_rows >= 1;
    } else if (arg == "--train-iters") {
      ok = absl::SimpleAtoi(value("--train-iters"), &o.train_iters) && o.train_iters >= 1;
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "usage: mpi_bench [--rows N,N] [--cols D] [--m M] [--k K] [--ranks P,P] "
                   "[--dir DIR] [--keep] [--tasks lowrank,lsqr,ihs,train_ivy,train_ip] "
                   "[--train-files F] [--train-rows N] [--train-iters I]\n";
      return 2;
    }
  }
  const std::string scratch = absl::StrCat(o.dir, "/mpi_bench_", ::getpid());
  fs::create_directories(scratch);
  std::printf("sketchmpi: lowrank (m=%lld, k=%lld), lsqr and ihs solve (default sketches, m=8d) "
              "on n x %lld; train ivy (%lld steps, batch %lld) and inner_product (m=%lld, k=%lld) "
              "on %lld matrices of %lld x %lld; mpirun --oversubscribe, 1 BLAS thread per rank\n",
              static_cast<long long>(o.m), static_cast<long long>(o.k),
              static_cast<long long>(o.cols), static_cast<long long>(o.train_iters),
              static_cast<long long>(o.train_batch), static_cast<long long>(o.train_m),
              static_cast<long long>(o.train_k), static_cast<long long>(o.train_files),
              static_cast<long long>(o.train_rows), static_cast<long long>(o.train_cols));
  std::printf("bytes = max over ranks of sent+received (all messages); formula = rank 0's, "
              "each sum costing 2*ceil(log2 P)*8*count: lowrank m*d + r^2; lsqr the m*(d+1) "
              "sketch + (d+1) per iteration; ihs m*d + 2(d+1) per iteration; ivy batch*(n+1) per "
              "step; inner_product the n*d mean along the rank chain (2*8*n*d) and its broadcast\n");
  std::printf("algo s = rank 0's time inside the algorithm (train: train_seconds); block MiB = "
              "the data one rank holds (train: its files)\n\n");
  std::printf("%-9s %-9s %4s %2s | %8s %8s %6s | %11s %11s | %9s %9s %6s\n", "task", "n", "d",
              "P", "wall s", "algo s", "wall/1", "bytes/rank", "formula", "RSS MiB", "block MiB",
              "RSS/1");
  int failures = 0;
  auto wanted = [&](const std::string& task) {
    return std::find(o.tasks.begin(), o.tasks.end(), task) != o.tasks.end();
  };
  // One task on every P: a table row each, ratios against the first P.
  // `formula(json, P)` is rank 0's expected bytes; `block` the MiB of data one rank holds.
  auto run_task = [&](const std::string& task, int64_t n, int64_t d, const std::string& args,
                      const std::function<double(const Json&, int)>& formula,
                      const std::function<double(const Json&)>& algo_seconds,
                      const std::function<double(int)>& block_mib) {
    double wall1 = 0, rss1 = 0;
    for (int p : o.ranks) {
      const Run run = Launch(p, args, scratch);
      if (!run.ok) {
        std::printf("%-9s %-9lld %4lld %2d | failed: %s\n", task.c_str(), static_cast<long long>(n),
                    static_cast<long long>(d), p, run.error.c_str());
        ++failures;
        continue;
      }
      const RankMax max = MaxOverRanks(run.json);
      if (p == o.ranks.front()) {
        wall1 = run.wall_seconds;
        rss1 = static_cast<double>(max.rss);
      }
      std::printf("%-9s %-9lld %4lld %2d | %8.2f %8.3f %6.2f | %11lld %11.0f | %9.1f %9.1f %6.2f\n",
                  task.c_str(), static_cast<long long>(n), static_cast<long long>(d), p,
                  run.wall_seconds, algo_seconds(run.json), run.wall_seconds / wall1,
                  static_cast<long long>(max.bytes), formula(run.json, p),
                  static_cast<double>(max.rss) / (1 << 20), block_mib(p),
                  static_cast<double>(max.rss) / rss1);
      std::fflush(stdout);
    }
  };
  auto total_seconds = [](const Json& j) { return j.FindPath("timings.total_seconds")->as_number(); };
  for (int64_t n : o.rows) {
    if (!wanted("lowrank") && !wanted("lsqr") && !wanted("ihs")) break;
    const std::string a = absl::StrCat(scratch, "/a.npy"), b = absl::StrCat(scratch, "/b.npy");
    if (!WriteMatrix(a, n, o.cols, 1) || !WriteMatrix(b, n, 1, 2)) {
      std::cerr << "cannot write the input matrices to " << scratch << "\n";
      return 4;
    }
    const int64_t d = o.cols;
    auto block = [&](int p) { return static_cast<double>((n + p - 1) / p) * d * 8 / (1 << 20); };
    if (wanted("lowrank")) {
      run_task("lowrank", n, d,
               absl::StrCat("lowrank --sketch random --m ", o.m, " --seed 1 --k ", o.k, " ", a,
                            " --left ", scratch, "/y.npy --right ", scratch, "/z.npy"),
               [&](const Json&, int p) {
                 const int64_t r = std::min(o.m, d);
                 return 2.0 * CeilLog2(p) * 8 * (o.m * d + r * r);
               },
               total_seconds, block);
    }
    if (wanted("lsqr")) {
      run_task("lsqr", n, d,
               absl::StrCat("solve --sketch random --seed 1 ", a, " ", b, " --out ", scratch, "/x.npy"),
               [&](const Json& j, int p) {
                 const int64_t iters = j.Find("iterations")->as_int();
                 return 2.0 * CeilLog2(p) * 8 * (8 * d * (d + 1) + (iters + 1) * (d + 1));
               },
               total_seconds, block);
    }
    if (wanted("ihs")) {
      // Per iteration one m×d sum of S_tA (m = 8d) and one (d+1) sum for the
      // line-search pass; (d+1) sums also for the first pass, a refresh every
      // 5 iterations, the last refresh and the residual (1 value).
      run_task("ihs", n, d,
               absl::StrCat("solve --solver ihs --sketch random --seed 1 ", a, " ", b, " --out ",
                            scratch, "/x.npy"),
               [&](const Json& j, int p) {
                 const int64_t t = j.Find("iterations")->as_int();
                 const int64_t passes = 1 + t + t / 5 + (t % 5 != 0 ? 1 : 0);
                 return 2.0 * CeilLog2(p) * 8 * (t * 8 * d * d + passes * (d + 1) + 1);
               },
               total_seconds, block);
    }
  }
  if (wanted("train_ivy") || wanted("train_ip")) {
    const int64_t tn = o.train_rows, td = o.train_cols, files = o.train_files;
    std::string paths;
    for (int64_t f = 0; f < files; ++f) {
      const std::string path = absl::StrCat(scratch, "/t", f, ".npy");
      if (!WriteMatrix(path, tn, td, 100 + f)) {
        std::cerr << "cannot write training matrices to " << scratch << "\n";
        return 4;
      }
      absl::StrAppend(&paths, " ", path);
    }
    const double all_mib = static_cast<double>(files) * tn * td * 8 / (1 << 20);
    auto block = [&](int p) { return all_mib * static_cast<double>((files + p - 1) / p) / files; };
    auto train_seconds = [](const Json& j) { return j.FindPath("sketch.train_seconds")->as_number(); };
    const int64_t held = std::max<int64_t>(1, std::llround(0.2 * files));
    const int64_t num_train = files - held;
    const int64_t batch = std::min(o.train_batch, num_train);
    // Status agreements, the shape gather (3 per file) and per-matrix sums:
    // full training loss at ≤ 12 checkpoints (num_train values), validation 4×held.
    const double small = 3.0 * files + 4.0 * held;
    if (wanted("train_ivy")) {
      run_task("train_ivy", tn, td,
               absl::StrCat("train --method ivy --k ", o.train_k, " --m ", o.train_m, " --iters ",
                            o.train_iters, " --out ", scratch, "/ivy.sketch", paths),
               [&](const Json&, int p) {
                 // Each step: batch × (n values + 1 loss) per-member sums.
                 return 2.0 * CeilLog2(p) * 8 *
                        (o.train_iters * batch * (tn + 1) + 12.0 * num_train + small);
               },
               train_seconds, block);
    }
    if (wanted("train_ip")) {
      run_task("train_ip", tn, td,
               absl::StrCat("train --method inner_product --k ", o.train_k, " --m ", o.train_m,
                            " --out ", scratch, "/ip.sketch", paths),
               [&](const Json&, int p) {
                 // The n×d mean along the chain (rank 0 sends and receives it
                 // once) and broadcast, plus the small sums.
                 return (p > 1 ? 2.0 * 8 * tn * td : 0.0) + CeilLog2(p) * 8.0 * tn * td +
                        2.0 * CeilLog2(p) * 8 * small;
               },
               train_seconds, block);
    }
  }
  if (!o.keep) fs::remove_all(scratch);
  return failures == 0 ? 0 : 1;
}
