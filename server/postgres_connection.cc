#include "server/postgres_connection.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace sketchd {
namespace {

constexpr absl::string_view kSqlStatePayload = "sketchd/postgres-sqlstate";

absl::Status ConnectionLost(PGconn* conn) {
  std::string msg = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  absl::StripTrailingAsciiWhitespace(&msg);
  return absl::UnavailableError(
      absl::StrCat("postgresql connection lost: ", msg, "; retry when the database is back"));
}

// Maps a failed statement to a status by SQLSTATE class (PostgreSQL manual,
// appendix A), keeping the SQLSTATE as a payload for callers that map
// specific ones (unique / foreign-key violations).
absl::Status StatementError(PGconn* conn, const PGresult* res, absl::string_view sql) {
  const char* state_c = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const std::string state = state_c != nullptr ? state_c : "";
  std::string msg = PQresultErrorMessage(res);
  absl::StripTrailingAsciiWhitespace(&msg);
  if (state.empty() && PQstatus(conn) != CONNECTION_OK) return ConnectionLost(conn);
  msg = absl::StrCat("postgresql ", state, ": ", msg, " (in: ", sql.substr(0, 60), ")");
  absl::Status s;
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03") {
    s = absl::UnavailableError(msg);  // connection exception, server shutting down / starting
  } else if (absl::StartsWith(state, "53")) {
    s = absl::ResourceExhaustedError(msg);  // disk full, out of memory, too many connections
  } else if (state == "40001" || state == "40P01") {
    s = absl::AbortedError(msg);  // serialization failure, deadlock: retryable
  } else if (state == "23505") {
    s = absl::AlreadyExistsError(msg);
  } else if (absl::StartsWith(state, "23")) {
    s = absl::FailedPreconditionError(msg);
  } else if (absl::StartsWith(state, "XX")) {
    s = absl::DataLossError(msg);
  } else if (PQstatus(conn) != CONNECTION_OK) {
    s = absl::UnavailableError(msg);
  } else {
    s = absl::InternalError(msg);
  }
  if (!state.empty()) s.SetPayload(kSqlStatePayload, absl::Cord(state));
  return s;
}

}  // namespace

std::string PgSqlState(const absl::Status& status) {
  auto payload = status.GetPayload(kSqlStatePayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

// ----------------------------------------------------------------- params

PgParams& PgParams::Add(int64_t v) { return Add(absl::string_view(absl::StrCat(v))); }

PgParams& PgParams::Add(double v) { return Add(absl::string_view(absl::StrFormat("%.17g", v))); }

PgParams& PgParams::Add(absl::string_view text) {
  owned_.push_back(std::make_unique<std::string>(text));
  values_.push_back(owned_.back()->c_str());
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::AddBytes(absl::string_view bytes) {
  values_.push_back(bytes.data());
  lengths_.push_back(static_cast<int>(bytes.size()));
  formats_.push_back(1);
  return *this;
}

// ----------------------------------------------------------------- result

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_);
  return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
}

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), PQgetlength(r_, row, col));
}

int64_t PgResult::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

double PgResult::Real(int row, int col) const {
  return std::strtod(PQgetvalue(r_, row, col), nullptr);
}

bool PgResult::Bool(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }

absl::string_view PgResult::Bytes(int row, int col) const {
  return absl::string_view(PQgetvalue(r_, row, col), PQgetlength(r_, row, col));
}

// ------------------------------------------------------------- connection

absl::StatusOr<PgResult> PgConnection::Run(absl::string_view sql, const PgParams& params,
                                           int result_format) {
  const std::string text(sql);
  PGresult* res = PQexecParams(conn_, text.c_str(), params.size(), nullptr, params.values(),
                               params.lengths(), params.formats(), result_format);
  if (res == nullptr) return ConnectionLost(conn_);
  PgResult result(res);
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return StatementError(conn_, res, sql);
  return result;
}

absl::Status PgConnection::ExecScript(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  if (res == nullptr) return ConnectionLost(conn_);
  PgResult result(res);
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return StatementError(conn_, res, sql);
  return absl::OkStatus();
}

absl::StatusOr<PgResult> PgConnection::Query(absl::string_view sql, const PgParams& params) {
  return Run(sql, params, 0);
}

absl::StatusOr<PgResult> PgConnection::QueryBinary(absl::string_view sql, const PgParams& params) {
  return Run(sql, params, 1);
}

// ------------------------------------------------------------------- pool

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  MutexLock lock(&mu_);
  if (conn->broken() || PQtransactionStatus(conn->conn_) != PQTRANS_IDLE) {
    --open_;  // dropped: the next Acquire opens a fresh one
  } else {
    idle_.push_back(std::move(conn));
  }
  // Acquire's waiters re-check CanAcquire when the lock is released.
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  {
    MutexLock lock(&mu_);
    while (true) {
      mu_.Await([this] {
        mu_.AssertHeld();
        return CanAcquire();
      });
      if (idle_.empty()) break;
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      // An idle connection whose server went away (restart, failover) has
      // its end-of-file or termination notice waiting: reading it without
      // blocking marks the connection bad, and a fresh one is opened
      // instead of failing the caller's first statement.
      if (PQconsumeInput(conn->conn_) != 0 && !conn->broken()) return Lease(this, std::move(conn));
      --open_;
    }
    ++open_;
  }
  PGconn* raw = PQconnectdb(conninfo_.c_str());
  if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) {
    std::string msg = raw != nullptr ? PQerrorMessage(raw) : "out of memory";
    absl::StripTrailingAsciiWhitespace(&msg);
    PQfinish(raw);
    {
      MutexLock lock(&mu_);
      --open_;  // room for a waiter
    }
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL at ", DisplayName(),
                                               ": ", msg));
  }
  // Our own messages carry the context; server notices on stderr are noise.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  return Lease(this, std::unique_ptr<PgConnection>(new PgConnection(raw)));
}

std::string PgPool::DisplayName() const {
  // postgresql://user:secret@host/db → postgresql://user@host/db
  const size_t scheme = conninfo_.find("://");
  const size_t at = conninfo_.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return conninfo_;
  const size_t colon = conninfo_.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return conninfo_;
  return conninfo_.substr(0, colon) + conninfo_.substr(at);
}

// ------------------------------------------------------------ transaction

PgTransaction::PgTransaction(PgConnection* conn, const char* begin) : conn_(conn) {
  begin_status_ = conn_->Exec(begin);
  done_ = !begin_status_.ok();
}

PgTransaction::~PgTransaction() {
  if (!done_) conn_->Exec("ROLLBACK").IgnoreError();
}

absl::Status PgTransaction::Commit() {
  if (done_) {
    return begin_status_.ok() ? absl::InternalError("transaction already finished") : begin_status_;
  }
  done_ = true;
  absl::Status s = conn_->Exec("COMMIT");
  if (!s.ok()) conn_->Exec("ROLLBACK").IgnoreError();
  return s;
}

}  // namespace sketchd
