// Schema of the PostgreSQL store, as an ordered list of migrations (like
// sqlite_migrations.h). Table sketchd_schema holds the number applied; each
// missing migration runs in its own transaction together with the bump,
// under an advisory lock, so replicas starting at the same time migrate once
// and a crash mid-migration leaves the previous version. A database from a
// newer server is refused.
#ifndef SKETCHD_SERVER_POSTGRES_MIGRATIONS_H_
#define SKETCHD_SERVER_POSTGRES_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/postgres_connection.h"

namespace sketchd {

const std::vector<std::string>& PostgresMigrations();
absl::Status MigratePostgres(PgConnection* conn);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_POSTGRES_MIGRATIONS_H_
