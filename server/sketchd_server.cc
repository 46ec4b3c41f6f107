#include "server/sketchd_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/store_factory.h"

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
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!o.tls_client_ca.empty()) {
    SKETCHD_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(o.tls_client_ca, "TLS client CA"));
  }
  return grpc::SslServerCredentials(ssl);
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
  SKETCHD_ASSIGN_OR_RETURN(s->store_, OpenStore(options.store, options.data_dir, options.blob_dir));
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
  JobRunner::Options jo;
  jo.workers = std::max(1, options.train_workers);
  jo.max_queued = std::max(0, options.max_queued_jobs);
  jo.training_threads = options.training_threads;
  jo.replica_id = replica_id;
  jo.lease_us = static_cast<int64_t>(options.job_lease_seconds * 1e6);
  s->jobs_ = std::make_unique<JobRunner>(s->store_.get(), jo);
  s->service_ = std::make_unique<SketchServiceImpl>(options, s->store_.get(), s->jobs_.get(),
                                                    s->cache_.get(), std::move(auth));

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
    return absl::UnavailableError(absl::StrCat("cannot listen on '", options.listen,
                                               "' (address in use or invalid?)"));
  }
  if (auto* health = s->server_->GetHealthCheckService()) {
    health->SetServingStatus(true);
  }
  return s;
}

SketchdServer::~SketchdServer() { Shutdown(); }

void SketchdServer::Shutdown(double grace_seconds) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_ != nullptr) {
    if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  }
  if (service_ != nullptr) service_->BeginShutdown();
  // Jobs first: watchers then see INTERRUPTED and their streams end.
  if (jobs_ != nullptr) jobs_->Shutdown();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(static_cast<int64_t>(grace_seconds * 1000)));
  }
  jobs_.reset();
  store_.reset();  // closes SQLite (checkpoints the WAL)
}

void SketchdServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace sketchd
