// Minimal RAII over the sqlite3 C API: a connection, prepared statements, and
// a transaction guard that rolls back unless committed. Errors become
// absl::Status carrying SQLite's message.
#ifndef SKETCHD_SERVER_SQLITE_DB_H_
#define SKETCHD_SERVER_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sketchd {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds are 1-based like SQLite's. Text/blob are copied (SQLITE_TRANSIENT)
  // unless BindStaticBlob is used, which needs the bytes to outlive Step().
  SqliteStatement& Bind(int i, int64_t v);
  SqliteStatement& Bind(int i, double v);
  SqliteStatement& Bind(int i, absl::string_view text);
  SqliteStatement& BindBlob(int i, absl::string_view bytes);
  SqliteStatement& BindStaticBlob(int i, absl::string_view bytes);

  // true = a row is available, false = done.
  absl::StatusOr<bool> Step();
  // Step until done (for statements without results).
  absl::Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  std::string Blob(int col) const;
  int64_t BlobSize(int col) const { return sqlite3_column_bytes(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();

  absl::Status Exec(const std::string& sql);
  absl::StatusOr<std::unique_ptr<SqliteStatement>> Prepare(absl::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* raw() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit().
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb* db);
  ~SqliteTransaction();
  absl::Status status() const { return begin_status_; }
  absl::Status Commit();

 private:
  SqliteDb* db_;
  absl::Status begin_status_;
  bool done_ = false;
};

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SQLITE_DB_H_
