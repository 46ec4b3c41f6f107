#include "server/store_factory.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/postgres_store.h"
#include "server/sqlite_store.h"

namespace sketchd {

bool IsPostgresStoreSpec(const std::string& spec) {
  return absl::StartsWith(spec, "postgresql://") || absl::StartsWith(spec, "postgres://");
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& spec,
                                                 const std::string& data_dir,
                                                 const std::string& blob_dir) {
  if (spec.empty() || spec == "sqlite") {
    if (!blob_dir.empty()) {
      return absl::InvalidArgumentError(
          "--blob_dir applies to a PostgreSQL store only; the SQLite store keeps matrix bytes in "
          "<data_dir>/matrices");
    }
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(data_dir);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  }
  if (IsPostgresStoreSpec(spec)) {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(spec, blob_dir);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--store must be 'sqlite' or a PostgreSQL URL like postgresql://USER@HOST:PORT/DB, got '",
      spec, "'"));
}

}  // namespace sketchd
