// Schema of the SQLite store, as an ordered list of migrations. The database's
// PRAGMA user_version is the number of migrations applied; Open applies the
// missing ones, each in its own transaction together with the version bump,
// so a crash mid-migration leaves the previous version intact. A database
// from a newer server (user_version beyond this list) is refused.
#ifndef SKETCHD_SERVER_SQLITE_MIGRATIONS_H_
#define SKETCHD_SERVER_SQLITE_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/sqlite_db.h"

namespace sketchd {

const std::vector<std::string>& SqliteMigrations();
absl::Status MigrateSqlite(SqliteDb* db);

}  // namespace sketchd

#endif  // SKETCHD_SERVER_SQLITE_MIGRATIONS_H_
