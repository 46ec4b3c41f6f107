// sketchmpi on P = 1, 2, 4 ranks (mpirun --oversubscribe): wall time, bytes
// each rank sent and received (counted by the Communicator), and peak RSS per
// rank, for lowrank and lsqr solve on n×d matrices written to a scratch
// directory. Ratios are against the P = 1 run of the same case in the same
// invocation.
//
// The point on a 2-core machine is memory and communication, not speed-up:
// each rank holds ~n·d/P doubles plus O(m·d), and moves O((m·d + r²)·log P)
// bytes; the wall time of P > 2 ranks on 2 cores can only grow.
//
//   build/bench/mpi/mpi_bench [--rows 100000,1000000] [--cols 64] [--m 32] [--k 10]
//                             [--ranks 1,2,4] [--dir /tmp] [--keep]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "usage: mpi_bench [--rows N,N] [--cols D] [--m M] [--k K] [--ranks P,P] "
                   "[--dir DIR] [--keep]\n";
      return 2;
    }
  }
  const std::string scratch = absl::StrCat(o.dir, "/mpi_bench_", ::getpid());
  fs::create_directories(scratch);
  std::printf("sketchmpi, lowrank (m=%lld, k=%lld) and lsqr solve (default sketch m=8d); "
              "mpirun --oversubscribe, 1 BLAS thread per rank\n",
              static_cast<long long>(o.m), static_cast<long long>(o.k));
  std::printf("bytes = max over ranks of sent+received (all messages); formula = rank 0's "
              "2*ceil(log2 P)*8*(m*d + r^2) for lowrank, plus 2*ceil(log2 P)*8*(d+1) per LSQR "
              "iteration and the m*(d+1) sketch sum\n\n");
  std::printf("%-8s %-9s %4s %2s | %8s %8s %6s | %11s %11s | %9s %9s %6s\n", "task", "n", "d",
              "P", "wall s", "algo s", "wall/1", "bytes/rank", "formula", "RSS MiB", "block MiB",
              "RSS/1");
  int failures = 0;
  for (int64_t n : o.rows) {
    const std::string a = absl::StrCat(scratch, "/a.npy"), b = absl::StrCat(scratch, "/b.npy");
    if (!WriteMatrix(a, n, o.cols, 1) || !WriteMatrix(b, n, 1, 2)) {
      std::cerr << "cannot write the input matrices to " << scratch << "\n";
      return 4;
    }
    for (const char* task : {"lowrank", "lsqr"}) {
      double wall1 = 0, rss1 = 0;
      for (int p : o.ranks) {
        const std::string args =
            std::string(task) == "lowrank"
                ? absl::StrCat("lowrank --sketch random --m ", o.m, " --seed 1 --k ", o.k, " ", a,
                               " --left ", scratch, "/y.npy --right ", scratch, "/z.npy")
                : absl::StrCat("solve --sketch random --seed 1 ", a, " ", b, " --out ", scratch,
                               "/x.npy");
        const Run run = Launch(p, args, scratch);
        if (!run.ok) {
          std::printf("%-8s %-9lld %4lld %2d | failed: %s\n", task, static_cast<long long>(n),
                      static_cast<long long>(o.cols), p, run.error.c_str());
          ++failures;
          continue;
        }
        const RankMax max = MaxOverRanks(run.json);
        const int rounds = CeilLog2(p);
        const int64_t d = o.cols;
        double formula = 0, algo = 0;
        if (std::string(task) == "lowrank") {
          const int64_t r = std::min(o.m, d);
          formula = 2.0 * rounds * 8 * (o.m * d + r * r);
          algo = run.json.FindPath("timings.total_seconds")->as_number();
        } else {
          const int64_t iters = run.json.Find("iterations")->as_int();
          formula = 2.0 * rounds * 8 * (8 * d * (d + 1) + (iters + 1) * (d + 1));
          algo = run.json.FindPath("timings.total_seconds")->as_number();
        }
        if (p == o.ranks.front()) {
          wall1 = run.wall_seconds;
          rss1 = static_cast<double>(max.rss);
        }
        const double block_mib = static_cast<double>((n + p - 1) / p) * d * 8 / (1 << 20);
        std::printf("%-8s %-9lld %4lld %2d | %8.2f %8.3f %6.2f | %11lld %11.0f | %9.1f %9.1f %6.2f\n",
                    task, static_cast<long long>(n), static_cast<long long>(d), p,
                    run.wall_seconds, algo, run.wall_seconds / wall1,
                    static_cast<long long>(max.bytes), formula,
                    static_cast<double>(max.rss) / (1 << 20), block_mib,
                    static_cast<double>(max.rss) / rss1);
        std::fflush(stdout);
      }
    }
  }
  if (!o.keep) fs::remove_all(scratch);
  return failures == 0 ? 0 : 1;
}
