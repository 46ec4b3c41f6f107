// Minimal RAII over libpq: a pool of connections to one database, query
// results, parameter lists, and a transaction guard that rolls back unless
// committed. Errors become absl::Status by SQLSTATE class, so a database that
// is down or restarting is UNAVAILABLE (retryable) and never INTERNAL.
//
// Why libpq and not libpqxx: libpq is the C client every PostgreSQL install
// ships (Debian's libpq-dev, already a dependency), its API is small and
// stable, and this store needs only parameterised statements, binary bytea
// parameters and transactions; libpqxx would add a C++ library (not in the
// dependency list) whose exceptions would have to be caught at every call to
// keep the absl::Status discipline.
#ifndef SKETCHD_SERVER_POSTGRES_CONNECTION_H_
#define SKETCHD_SERVER_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/mutex.h"

namespace sketchd {

// Statement parameters ($1, $2, …). Text parameters are sent as text, bytes
// as binary (no escaping, no hex doubling).
class PgParams {
 public:
  PgParams& Add(int64_t v);
  PgParams& Add(double v);  // round-trips exactly (17 significant digits)
  PgParams& Add(absl::string_view text);
  PgParams& Add(const char* text) { return Add(absl::string_view(text)); }
  PgParams& Add(const std::string& text) { return Add(absl::string_view(text)); }
  PgParams& AddBytes(absl::string_view bytes);  // must outlive the query

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::unique_ptr<std::string>> owned_;  // stable addresses
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const { return PQntuples(r_); }
  // Rows changed by INSERT/UPDATE/DELETE.
  int64_t affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  double Real(int row, int col) const;
  bool Bool(int row, int col) const;
  // Raw value bytes: the bytea itself when the query asked for binary results.
  absl::string_view Bytes(int row, int col) const;

 private:
  PGresult* r_;
};

// One row of a text-format result, in the shape store_rows.h reads.
struct PgRow {
  const PgResult& result;
  int row;
  int64_t Int(int col) const { return result.Int(row, col); }
  double Real(int col) const { return result.Real(row, col); }
  std::string Text(int col) const { return result.Text(row, col); }
};

// Thread-safety: one thread at a time (libpq connections are not shared);
// the pool hands each to one caller through a Lease.
class PgConnection {
 public:
  ~PgConnection() { PQfinish(conn_); }
  // Text results; bytea columns arrive hex-encoded, so select blobs with
  // QueryBinary.
  absl::StatusOr<PgResult> Query(absl::string_view sql, const PgParams& params = PgParams());
  // Every result column in binary: use for single bytea columns.
  absl::StatusOr<PgResult> QueryBinary(absl::string_view sql, const PgParams& params);
  absl::Status Exec(absl::string_view sql, const PgParams& params = PgParams()) {
    return Query(sql, params).status();
  }
  // Several statements without parameters (schema migrations).
  absl::Status ExecScript(const std::string& sql);
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }

 private:
  friend class PgPool;
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::StatusOr<PgResult> Run(absl::string_view sql, const PgParams& params, int result_format);
  PGconn* conn_;
};

// Connections are created on demand up to `max_connections` and returned by
// the Lease's destructor; a broken one (server restarted, network cut) is
// dropped instead, so the next call reconnects and the service recovers
// without a restart.
//
// Thread-safety: Acquire is safe from any thread and blocks while all
// `max_connections` are leased; a Lease is used by one thread.
class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease();
    PgConnection* operator->() { return conn_.get(); }
    PgConnection* get() { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  PgPool(std::string conninfo, int max_connections)
      : conninfo_(std::move(conninfo)), max_connections_(max_connections) {}
  // UNAVAILABLE when the server cannot be reached.
  absl::StatusOr<Lease> Acquire() ABSL_LOCKS_EXCLUDED(mu_);
  // The URL without its password, for messages.
  std::string DisplayName() const;

 private:
  void Release(std::unique_ptr<PgConnection> conn) ABSL_LOCKS_EXCLUDED(mu_);
  // Acquire's wait condition: an idle connection, or room to open one.
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < max_connections_;
  }

  const std::string conninfo_;
  const int max_connections_;
  Mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased out
};

// BEGIN (or `begin`, e.g. with an isolation level) on construction;
// ROLLBACK on destruction unless Commit().
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection* conn, const char* begin = "BEGIN");
  ~PgTransaction();
  absl::Status status() const { return begin_status_; }
  absl::Status Commit();

 private:
  PgConnection* conn_;
  absl::Status begin_status_;
  bool done_ = false;
};

// SQLSTATE of a failed statement when the status came from the server
// ("" otherwise), e.g. "23505" for a unique violation.
std::string PgSqlState(const absl::Status& status);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_POSTGRES_CONNECTION_H_
