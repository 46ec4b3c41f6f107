// store_ingest_bench: training-matrix ingest into each Store backend, with
// the baselines measured in the same run:
//   ceiling   write + fsync of the same bytes as plain files (the disk);
//   before    the schema-2 SQLite path: bytes as blob rows (WAL, staged
//             rows at synchronous=NORMAL, the commit at FULL), replayed here
//             with the same statements and pragmas;
//   sqlite    SqliteStore now: bytes in fsync'd files, rows in SQLite;
//   postgres  PostgresStore, when --pg=URL is given: bytes as bytea chunks,
//             and bytes in a blob directory (under --dir) with rows in
//             PostgreSQL.
// Each figure is StageMatrix × N + CommitUpload (durable on return), median
// of --reps runs, in MB/s of matrix bytes. Below the gRPC layer: this is the
// store's share of an upload (bench/service measures the whole RPC).
//
// Usage: store_ingest_bench [--matrices=12] [--rows=1080] [--cols=1920]
//        [--reps=3] [--dir=./store-bench-tmp] [--pg=postgresql://USER@HOST:PORT/DB]
// --dir must be on a real disk (fsync on tmpfs measures nothing).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/blob_directory.h"
#include "server/postgres_store.h"
#include "server/sqlite_db.h"
#include "server/sqlite_store.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  int matrices = 12;
  int64_t rows = 1080;
  int64_t cols = 1920;
  int reps = 3;
  std::string dir = "./store-bench-tmp";
  std::string pg;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs `ingest` --reps times in a fresh directory, then `cleanup` (not
// timed); returns the median MB/s.
double Measure(const Config& c, const std::string& data,
               const std::function<absl::Status(const std::string& dir)>& ingest,
               const std::function<void()>& cleanup = nullptr) {
  std::vector<double> rates;
  for (int r = 0; r < c.reps; ++r) {
    const std::string dir = absl::StrCat(c.dir, "/run-", r);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto t0 = Clock::now();
    const absl::Status s = ingest(dir);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    std::filesystem::remove_all(dir);
    if (cleanup) cleanup();
    if (!s.ok()) {
      std::fprintf(stderr, "  failed: %s\n", std::string(s.message()).c_str());
      return 0;
    }
    rates.push_back(static_cast<double>(data.size()) * c.matrices / seconds / 1e6);
  }
  return Median(rates);
}

absl::Status FilesCeiling(const Config& c, const std::string& data, const std::string& dir) {
  absl::StatusOr<BlobDirectory> blobs = BlobDirectory::Open(dir + "/m");
  if (!blobs.ok()) return blobs.status();
  std::vector<std::string> names;
  for (int i = 0; i < c.matrices; ++i) {
    absl::StatusOr<std::string> name = blobs->Write(data);
    if (!name.ok()) return name.status();
    names.push_back(*name);
  }
  return blobs->Sync(names);
}

// The schema-2 store's statements, in its order.
absl::Status SqliteBlobRows(const Config& c, const std::string& data, const std::string& dir) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(dir + "/blobs.db");
  if (!db.ok()) return db.status();
  SqliteDb* w = db->get();
  for (const char* sql :
       {"PRAGMA page_size = 65536", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
        "CREATE TABLE m(id INTEGER PRIMARY KEY AUTOINCREMENT, upload_id TEXT, committed INTEGER, "
        "rows INTEGER, cols INTEGER)",
        "CREATE TABLE b(matrix_id INTEGER PRIMARY KEY, data BLOB NOT NULL)"}) {
    absl::Status s = w->Exec(sql);
    if (!s.ok()) return s;
  }
  for (int i = 0; i < c.matrices; ++i) {
    absl::Status s = w->Exec("PRAGMA synchronous = NORMAL");
    SqliteTransaction txn(w);
    if (s.ok()) s = txn.status();
    auto ins = w->Prepare("INSERT INTO m(upload_id, committed, rows, cols) VALUES('u', 0, ?, ?)");
    if (!ins.ok()) return ins.status();
    (*ins)->Bind(1, c.rows).Bind(2, c.cols);
    if (s.ok()) s = (*ins)->Run();
    auto blob = w->Prepare("INSERT INTO b(matrix_id, data) VALUES(?, ?)");
    if (!blob.ok()) return blob.status();
    (*blob)->Bind(1, w->LastInsertId()).BindStaticBlob(2, data);
    if (s.ok()) s = (*blob)->Run();
    if (s.ok()) s = txn.Commit();
    if (!s.ok()) return s;
  }
  absl::Status s = w->Exec("PRAGMA synchronous = FULL");
  SqliteTransaction txn(w);
  if (s.ok()) s = txn.status();
  if (s.ok()) s = w->Exec("UPDATE m SET committed = 1 WHERE upload_id = 'u'");
  if (s.ok()) s = txn.Commit();
  return s;
}

absl::Status StoreIngest(const Config& c, const std::string& data, Store* store,
                         const std::string& dataset) {
  DatasetRecord ds;
  ds.name = dataset;
  ds.n = c.rows;
  absl::Status s = store->CreateDataset(ds).status();
  for (int i = 0; s.ok() && i < c.matrices; ++i) {
    s = store->StageMatrix(dataset, "u", c.rows, c.cols, ElementType::kFloat64, data);
  }
  if (s.ok()) s = store->CommitUpload(dataset, "u").status();
  return s;
}

int Main(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = absl::StrCat("--", name, "=");
      return arg.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("matrices")) c.matrices = std::max(1, std::atoi(v));
    else if (const char* v = value("rows")) c.rows = std::max(1, std::atoi(v));
    else if (const char* v = value("cols")) c.cols = std::max(1, std::atoi(v));
    else if (const char* v = value("reps")) c.reps = std::max(1, std::atoi(v));
    else if (const char* v = value("dir")) c.dir = v;
    else if (const char* v = value("pg")) c.pg = v;
    else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of the source)\n",
                   arg.c_str());
      return 2;
    }
  }
  if (c.rows * c.cols > (int64_t{1} << 27)) {
    std::fprintf(stderr, "--rows × --cols above 2^27 values (1 GiB as float64) is not supported\n");
    return 2;
  }
  std::string data(static_cast<size_t>(c.rows * c.cols * 8), '\0');
  std::mt19937_64 gen(1);
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    const double v = std::uniform_real_distribution<double>(-1, 1)(gen);
    std::memcpy(data.data() + i, &v, 8);
  }
  std::printf("store ingest: %d × %lldx%lld float64 (%.0f MB per upload), median of %d, dir %s\n",
              c.matrices, static_cast<long long>(c.rows), static_cast<long long>(c.cols),
              data.size() * c.matrices / 1e6, c.reps, c.dir.c_str());

  const double ceiling = Measure(c, data, [&](const std::string& d) { return FilesCeiling(c, data, d); });
  const double before = Measure(c, data, [&](const std::string& d) { return SqliteBlobRows(c, data, d); });
  const double sqlite = Measure(c, data, [&](const std::string& d) -> absl::Status {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(d);
    if (!store.ok()) return store.status();
    return StoreIngest(c, data, store->get(), "bench");
  });
  std::printf("%-44s %9s %11s %11s\n", "backend", "MB/s", "vs before", "vs ceiling");
  auto row = [&](const char* name, double rate) {
    std::printf("%-44s %9.0f %10.2fx %10.2fx\n", name, rate, before > 0 ? rate / before : 0,
                ceiling > 0 ? rate / ceiling : 0);
  };
  row("files write+fsync (ceiling)", ceiling);
  row("sqlite blob rows, schema 2 (before)", before);
  row("sqlite store: files + rows (now)", sqlite);
  if (!c.pg.empty()) {
    for (bool blob_dir : {false, true}) {
      absl::StatusOr<std::unique_ptr<PostgresStore>> pg =
          PostgresStore::Open(c.pg, blob_dir ? c.dir + "/pg-blobs" : "");
      if (!pg.ok()) {
        std::fprintf(stderr, "postgres: %s\n", std::string(pg.status().message()).c_str());
        return 1;
      }
      const std::string name = absl::StrCat("store-ingest-bench-", getpid());
      const double rate = Measure(
          c, data, [&](const std::string&) { return StoreIngest(c, data, pg->get(), name); },
          [&] { (*pg)->DeleteDataset(name).IgnoreError(); });
      row(blob_dir ? "postgresql store: blob dir files + rows" : "postgresql store: bytea chunks",
          rate);
    }
  }
  return 0;
}

}  // namespace
}  // namespace sketchd

int main(int argc, char** argv) { return sketchd::Main(argc, argv); }
