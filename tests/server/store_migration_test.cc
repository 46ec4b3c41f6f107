// The store's schema migrations keep data written by older servers, matrix
// bytes live in private files that follow their rows, and the pooled receive
// buffers behave like plain allocations.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/training/train_options_text.h"
#include "server/buffer_pool.h"
#include "server/sqlite_db.h"
#include "server/sqlite_migrations.h"
#include "server/sqlite_store.h"

namespace sketchd {
namespace {

std::string TempDir(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   (std::string(name) + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::vector<std::string> BlobFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/matrices")) {
    out.push_back(e.path().string());
  }
  return out;
}

int Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

int64_t Count(SqliteDb* db, const std::string& sql) {
  auto q = db->Prepare(sql);
  EXPECT_TRUE(q.ok());
  EXPECT_TRUE((*q)->Step().value_or(false));
  return (*q)->Int(0);
}

// A database at schema 1 (matrix bytes inline) opens at the current schema
// with its committed matrices intact and its uncommitted ones gone.
TEST(StoreMigrationTest, SchemaOneMatricesSurvive) {
  const std::string dir = TempDir("sketchd-migration");
  {
    auto db = SqliteDb::Open(dir + "/sketchd.db");
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec(SqliteMigrations()[0]).ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 1").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO datasets(name, n, d, description, created_us) "
                            "VALUES('old', 2, 0, '', 1)").ok());
    // 2×1 float32 [1, 2], committed; and a staged leftover.
    ASSERT_TRUE((*db)->Exec("INSERT INTO training_matrices(dataset, upload_id, committed, rows, "
                            "cols, dtype, data, created_us) VALUES('old', 'u1', 1, 2, 1, 1, "
                            "x'0000803F00000040', 1)").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO training_matrices(dataset, upload_id, committed, rows, "
                            "cols, dtype, data, created_us) VALUES('old', 'u2', 0, 2, 1, 1, "
                            "x'0000803F00000040', 1)").ok());
  }
  auto store = SqliteStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  // The committed matrix moved out of the database into a private file.
  std::vector<std::string> files = BlobFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(files[0]), 8u);
  EXPECT_EQ(Mode(files[0]), 0600);
  EXPECT_EQ(Mode(dir + "/matrices"), 0700);
  {
    auto db = SqliteDb::Open(dir + "/sketchd.db");
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(Count(db->get(), "SELECT COUNT(*) FROM training_matrix_data"), 0);
    EXPECT_EQ(Count(db->get(), "PRAGMA user_version"),
              static_cast<int64_t>(SqliteMigrations().size()));
  }
  auto matrices = (*store)->LoadTrainingMatrices("old");
  ASSERT_TRUE(matrices.ok()) << matrices.status();
  ASSERT_EQ(matrices->size(), 1u);
  EXPECT_EQ((*matrices)[0].data, std::string("\x00\x00\x80\x3F\x00\x00\x00\x40", 8));
  auto ds = (*store)->GetDataset("old");
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->num_matrices, 1);
  EXPECT_EQ(ds->training_bytes, 8);

  // New uploads go through the split tables and abort cleanly.
  const std::string bytes(16, '\0');
  ASSERT_TRUE((*store)->StageMatrix("old", "u3", 2, 1, ElementType::kFloat64, bytes).ok());
  ASSERT_TRUE((*store)->StageMatrix("old", "u4", 2, 1, ElementType::kFloat64, bytes).ok());
  ASSERT_TRUE((*store)->AbortUpload("u4").ok());
  auto total = (*store)->CommitUpload("old", "u3");
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 2);
  matrices = (*store)->LoadTrainingMatrices("old");
  ASSERT_TRUE(matrices.ok()) << matrices.status();
  ASSERT_EQ(matrices->size(), 2u);
  EXPECT_EQ((*matrices)[1].data, bytes);
  EXPECT_EQ(BlobFiles(dir).size(), 2u);  // the aborted upload's file is gone
  store->reset();
  std::filesystem::remove_all(dir);
}

// Jobs written before the error code was stored (schema 4) read as UNKNOWN
// with their text when they have an error, OK otherwise.
TEST(StoreMigrationTest, OldJobErrorsReadAsUnknown) {
  const std::string dir = TempDir("sketchd-migration-codes");
  {
    auto db = SqliteDb::Open(dir + "/sketchd.db");
    ASSERT_TRUE(db.ok()) << db.status();
    for (int v = 0; v < 4; ++v) ASSERT_TRUE((*db)->Exec(SqliteMigrations()[v]).ok()) << v;
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 4").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO datasets(name, n, d, description, created_us) "
                            "VALUES('old', 2, 0, '', 1)").ok());
    const std::string options = EncodeTrainOptions(TrainOptions());
    for (const char* row : {"(1, 'old', '%s', 4, 'INVALID_ARGUMENT: k too large', 1)",
                            "(2, 'old', '%s', 3, '', 1)"}) {
      std::string values(row);
      values.replace(values.find("%s"), 2, options);
      ASSERT_TRUE((*db)->Exec("INSERT INTO jobs(id, dataset, options, state, error, created_us) "
                              "VALUES" + values).ok());
    }
  }
  auto store = SqliteStore::Open(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  auto failed = (*store)->GetJob(1);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->error_code, absl::StatusCode::kUnknown);
  EXPECT_EQ(failed->error, "INVALID_ARGUMENT: k too large");
  auto succeeded = (*store)->GetJob(2);
  ASSERT_TRUE(succeeded.ok()) << succeeded.status();
  EXPECT_EQ(succeeded->error_code, absl::StatusCode::kOk);
  store->reset();
  std::filesystem::remove_all(dir);
}

// Files with no committed row (a crash between writing and committing, or
// an upload that never committed) are removed at the next Open; deleting a
// dataset removes its files.
TEST(StoreMigrationTest, MatrixFilesFollowTheirRows) {
  const std::string dir = TempDir("sketchd-blobs");
  {
    auto store = SqliteStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    DatasetRecord ds;
    ds.name = "d";
    ds.n = 2;
    ASSERT_TRUE((*store)->CreateDataset(ds).ok());
    ASSERT_TRUE((*store)->StageMatrix("d", "kept", 2, 1, ElementType::kFloat64, std::string(16, 1)).ok());
    ASSERT_TRUE((*store)->CommitUpload("d", "kept").ok());
    ASSERT_TRUE((*store)->StageMatrix("d", "lost", 2, 1, ElementType::kFloat64, std::string(16, 2)).ok());
    std::ofstream(dir + "/matrices/0000000000000000-000000000000.blob") << "orphan";
    EXPECT_EQ(BlobFiles(dir).size(), 3u);
  }  // "crash": the staged upload never commits
  {
    auto store = SqliteStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(BlobFiles(dir).size(), 1u);
    auto matrices = (*store)->LoadTrainingMatrices("d");
    ASSERT_TRUE(matrices.ok()) << matrices.status();
    ASSERT_EQ(matrices->size(), 1u);
    EXPECT_EQ((*matrices)[0].data, std::string(16, 1));
    // A truncated file is reported, not read past.
    std::filesystem::resize_file(BlobFiles(dir)[0], 8);
    EXPECT_EQ((*store)->LoadTrainingMatrices("d").status().code(), absl::StatusCode::kDataLoss);
    ASSERT_TRUE((*store)->DeleteDataset("d").ok());
    EXPECT_TRUE(BlobFiles(dir).empty());
  }
  std::filesystem::remove_all(dir);
}

TEST(BufferPoolTest, ReusesFittingBuffersWithinTheCap) {
  BufferPool pool(size_t{8} << 20);
  char* first = nullptr;
  {
    PooledBuffer a = pool.Acquire(size_t{5} << 20);
    ASSERT_NE(a.data(), nullptr);
    EXPECT_EQ(a.size(), size_t{5} << 20);
    a.data()[a.size() - 1] = 1;  // writable to the end
    first = a.data();
  }
  EXPECT_GE(pool.cached_bytes(), size_t{5} << 20);
  {
    PooledBuffer b = pool.Acquire(size_t{4} << 20);  // fits the cached 5 MiB block
    EXPECT_EQ(b.data(), first);
    EXPECT_EQ(pool.cached_bytes(), 0u);
    PooledBuffer c = pool.Acquire(size_t{1} << 20);  // nothing cached: fresh
    EXPECT_NE(c.data(), first);
    PooledBuffer moved = std::move(c);
    EXPECT_EQ(c.data(), nullptr);
  }
  EXPECT_LE(pool.cached_bytes(), size_t{8} << 20);
  {
    PooledBuffer big = pool.Acquire(size_t{9} << 20);  // beyond the cap: freed on release
  }
  EXPECT_LE(pool.cached_bytes(), size_t{8} << 20);
}

}  // namespace
}  // namespace sketchd
