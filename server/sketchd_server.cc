#include "server/sketchd_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/store_factory.h"
#include "server/metered_store.h"
#include "server/tls_check.h"

// OpenBLAS's own API (the library is linked through core's LAPACKE use).
extern "C" void openblas_set_num_threads(int num_threads);

namespace sketchd {
namespace {

// --replica_id, or <hostname>-<pid>: unique among live replicas.
std::string ReplicaId(const ServerOptions& options) {
  if (!options.replica_id.empty()) return options.replica_id;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "sketchd");
  return absl::StrCat(host, "-", getpid());
}

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", what, " '", path, "'"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const ServerOptions& o) {
  if (o.tls_cert.empty() && o.tls_key.empty()) {
    if (!o.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (o.tls_cert.empty() || o.tls_key.empty()) {
    return absl::InvalidArgumentError("TLS needs both --tls_cert and --tls_key");
  }
  grpc::SslServerCredentialsOptions ssl(
      o.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                              : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  SKETCHD_ASSIGN_OR_RETURN(pair.private_key, ReadFile(o.tls_key, "TLS key"));
  SKETCHD_ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(o.tls_cert, "TLS certificate"));
  if (!o.tls_client_ca.empty()) {
    SKETCHD_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(o.tls_client_ca, "TLS client CA"));
  }
  SKETCHD_RETURN_IF_ERROR(CheckTlsFiles(pair.cert_chain, pair.private_key, ssl.pem_root_certs));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(ssl);
}

// The data directory holds every uploaded training matrix: owner only
// (0700), whatever the umask. The database file is created 0600 before
// SQLite opens it; SQLite gives its WAL and shared-memory files the mode of
// the database file.
absl::Status PrepareDataDir(const std::string& data_dir) {
  if (mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    // A missing parent: create the parents with the default mode, then ours.
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(data_dir).parent_path(), ec);
    if (mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create data directory '", data_dir, "': ", std::strerror(errno)));
    }
  }
  const std::string db = (std::filesystem::path(data_dir) / "sketchd.db").string();
  const int fd = open(db.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create '", db, "': ", std::strerror(errno)));
  }
  close(fd);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SketchdServer>> SketchdServer::Start(const ServerOptions& options) {
  std::unique_ptr<SketchdServer> s(new SketchdServer());
  s->options_ = options;
  // Tokens from --auth_token_file and/or given directly (tests).
  std::vector<std::string> tokens = options.auth_tokens;
  if (!options.auth_token_file.empty()) {
    SKETCHD_ASSIGN_OR_RETURN(TokenAuth from_file, TokenAuth::FromFile(options.auth_token_file));
    tokens.insert(tokens.end(), from_file.tokens().begin(), from_file.tokens().end());
  }
  TokenAuth auth = tokens.empty() ? TokenAuth() : TokenAuth::FromTokens(std::move(tokens));
  SKETCHD_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> creds, MakeCredentials(options));
  // The embedded store's directory and database are private (0700/0600)
  // whatever the umask; a PostgreSQL store keeps nothing in --data_dir.
  if (!IsPostgresStoreSpec(options.store)) SKETCHD_RETURN_IF_ERROR(PrepareDataDir(options.data_dir));
  SKETCHD_ASSIGN_OR_RETURN(s->store_, OpenStore(options.store, options.data_dir, options.blob_dir));
  if (!options.metrics_listen.empty()) {
    SKETCHD_ASSIGN_OR_RETURN(s->metrics_,
                             ServiceMetrics::Serve(options.metrics_listen, s->store_.get()));
    s->store_ = std::make_unique<MeteredStore>(std::move(s->store_), s->metrics_.get());
  }
  // On a shared store jobs are claimed by replica id (job_runner.h); on
  // SQLite the one process runs them unowned.
  const std::string replica_id = IsPostgresStoreSpec(options.store) ? ReplicaId(options) : "";
  if (IsPostgresStoreSpec(options.store) &&
      !(options.job_lease_seconds >= 0.1 && options.job_lease_seconds <= 3600)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--job_lease_seconds must be in [0.1, 3600], got ", options.job_lease_seconds));
  }
  // Jobs this server left QUEUED/RUNNING in a previous life are gone with it
  // (never another replica's).
  SKETCHD_ASSIGN_OR_RETURN(s->interrupted_at_start_,
                           s->store_->InterruptActiveJobs(replica_id,
                                                          "server stopped while the job was "
                                                          "active; use RestartJob to run it again"));
  s->cache_ = std::make_unique<SketchCache>(s->store_.get(), 32,
                                            /*revalidate=*/IsPostgresStoreSpec(options.store));
  s->memory_ = std::make_unique<MemoryBudget>(options.memory_budget_bytes);
  JobRunner::Options jo;
  jo.workers = std::max(1, options.train_workers);
  jo.max_queued = std::max(0, options.max_queued_jobs);
  jo.training_threads = options.training_threads;
  jo.replica_id = replica_id;
  jo.lease_us = static_cast<int64_t>(options.job_lease_seconds * 1e6);
  jo.memory = s->memory_.get();
  jo.fault_hook_for_testing = options.fault_hook_for_testing;
  jo.log_jobs = options.log_requests;
  jo.backend = options.training_backend;
  SKETCHD_ASSIGN_OR_RETURN(jo.default_sketch_policy,
                           ParseDefaultSketchPolicy(options.default_sketch_policy));
  s->jobs_ = std::make_unique<JobRunner>(s->store_.get(), jo);
  s->service_ = std::make_unique<SketchServiceImpl>(options, s->store_.get(), s->jobs_.get(),
                                                    s->cache_.get(), s->memory_.get(),
                                                    std::move(auth), s->metrics_.get());

  if (options.blas_threads > 0) openblas_set_num_threads(options.blas_threads);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &s->port_);
  builder.RegisterService(s->service_.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(options.max_message_bytes));
  // Bulk streams: gRPC's BDP probing kept the per-stream HTTP/2 window
  // small on loopback and ingest at 200–300 MB/s; a fixed window of a few
  // row blocks lets the client keep writing while the handler decodes
  // (measured ~1 GB/s, see bench/service/README.md). Worst case buffered per
  // connection: window × concurrent streams.
  if (options.stream_window_bytes > 0) {
    builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
                               static_cast<int>(options.stream_window_bytes));
  }
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    s->jobs_->Shutdown();
    // The TLS files were checked above, so what is left is the address.
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on '", options.listen,
        "': the port is in use or the address is not a local host:port"));
  }
  if (auto* health = s->server_->GetHealthCheckService()) {
    health->SetServingStatus(true);
  }
  return s;
}

SketchdServer::~SketchdServer() { Shutdown(); }

void SketchdServer::Shutdown(double grace_seconds) {
  {
    MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_ != nullptr) {
    if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  }
  // Jobs first, while WatchJob streams still run: each watcher is sent its
  // job's INTERRUPTED state and its stream ends OK. Only then are the
  // remaining long-lived handlers told to return.
  if (jobs_ != nullptr) jobs_->Shutdown();
  if (service_ != nullptr) service_->BeginShutdown();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000)));
  }
  jobs_.reset();
  // No scrape may read the store once it closes.
  if (metrics_ != nullptr) metrics_->StopServing();
  store_.reset();  // closes SQLite (checkpoints the WAL)
}

void SketchdServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace sketchd
