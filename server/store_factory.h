// Chooses the Store backend from the --store flag:
//   "sqlite" (or empty)                   embedded SQLite in data_dir (default);
//   "postgresql://USER@HOST:PORT/DB"      a PostgreSQL database shared by
//   (or "postgres://…", any libpq URI)    replicas; data_dir is unused, and
//                                         blob_dir (optional, shared by the
//                                         replicas) holds matrix bytes.
#ifndef SKETCHD_SERVER_STORE_FACTORY_H_
#define SKETCHD_SERVER_STORE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store.h"

namespace sketchd {

// Whether `spec` names the PostgreSQL backend.
bool IsPostgresStoreSpec(const std::string& spec);

// INVALID_ARGUMENT for anything else, with the accepted forms in the message.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& spec,
                                                 const std::string& data_dir,
                                                 const std::string& blob_dir = "");

}  // namespace sketchd

#endif  // SKETCHD_SERVER_STORE_FACTORY_H_
