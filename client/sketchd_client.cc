#include "client/sketchd_client.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "core/io/element_type.h"
#include "core/io/packed_rows.h"
#include "core/status_macros.h"

namespace sketchd {
namespace {

absl::StatusOr<std::string> ReadTextFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InputError(absl::NotFoundError(absl::StrCat(what, " file ", path, ": cannot be read")));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Row-major doubles → packed rows (core's codec, the one the server decodes).
std::string PackRows(const RowMatrixXd& rows, v1::DType dtype) {
  return EncodeLittleEndian(
      rows, dtype == v1::DTYPE_FLOAT32 ? ElementType::kFloat32 : ElementType::kFloat64);
}

// 128 random bits as 32 hex digits: StartTraining's idempotency key.
// Straight from std::random_device (the OS's entropy source): a seeded PRNG
// would repeat across processes that drew the same seed.
std::string NewRequestId() {
  std::random_device device;
  std::string id;
  for (int i = 0; i < 4; ++i) absl::StrAppend(&id, absl::Hex(device(), absl::kZeroPad8));
  return id;
}

int DTypeSize(v1::DType dtype) {
  return ElementSize(dtype == v1::DTYPE_FLOAT32 ? ElementType::kFloat32 : ElementType::kFloat64);
}

bool ExactInFloat32(const VectorXd& v) {
  for (double x : v) {
    if (static_cast<double>(static_cast<float>(x)) != x) return false;
  }
  return true;
}


// The one "send header, send row blocks, cancel on error" loop of the three
// client-streaming calls (Upload, LowRank, Solve). Sends the blocks of
// `source` — the next `rows` rows (LowRank, Solve: one matrix) or, with
// rows < 0, everything left (Upload: every matrix) — each preceded, when a
// new matrix starts, by the header `fill_header(matrix, &request)` writes
// (with rows ≥ 0 the one header is sent first, even if the source is empty).
// `widen` may replace a block's rows before packing (Solve appends b).
// A source error cancels the call (the server keeps nothing of a cancelled
// stream), finishes it and is returned. Otherwise the client half-closes
// (also after a failed Write: the caller's Finish() then says why) and OK
// is returned; the caller reads the answer.
template <typename Request, typename Stream>
absl::Status SendRowStream(
    grpc::ClientContext* context, Stream* stream, RowBlockSource& source, int64_t rows,
    v1::DType dtype, int64_t total_bytes, const TransferCallback& progress,
    const std::function<void(int64_t matrix, Request* request)>& fill_header,
    const std::function<RowMatrixXd(const RowBlockSource::Block&)>& widen = nullptr) {
  int64_t current = -1;
  int64_t rows_sent = 0;
  int64_t bytes_sent = 0;
  absl::Status source_error;
  RowBlockSource::Block block;
  bool open = true;
  if (rows >= 0) {  // one matrix: its header goes first, whatever the source holds
    Request header;
    fill_header(0, &header);
    open = stream->Write(header);
  }
  while (open && (rows < 0 || rows_sent < rows)) {
    absl::StatusOr<bool> more = source.Next(&block);
    if (!more.ok()) {
      source_error = more.status();
      break;
    }
    if (!*more) {
      if (rows >= 0) {
        source_error = InputError(
            absl::InvalidArgumentError("input ended before the matrix was complete"));
      }
      break;
    }
    Request request;
    if (rows < 0 && block.matrix != current) {
      current = block.matrix;
      fill_header(current, &request);
      if (!stream->Write(request)) break;
      request.Clear();
    }
    request.mutable_rows()->set_rows(block.rows.rows());
    request.mutable_rows()->set_data(PackRows(widen ? widen(block) : block.rows, dtype));
    rows_sent += block.rows.rows();
    bytes_sent += static_cast<int64_t>(request.rows().data().size());
    if (!stream->Write(request)) break;
    if (progress) progress(bytes_sent, total_bytes);
  }
  if (!source_error.ok()) {
    context->TryCancel();
    stream->Finish().ok();
    return source_error;
  }
  stream->WritesDone();
  return absl::OkStatus();
}
}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status, const std::string& address) {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (absl::StrContains(message, "failed to connect") ||
       absl::StrContains(message, "Connection refused") || message.empty())) {
    message = absl::StrCat(message.empty() ? "unavailable" : message,
                           " (is sketchd running at ", address, "?)");
  }
  return ServerError(absl::Status(static_cast<absl::StatusCode>(status.error_code()), message));
}

absl::StatusOr<v1::Task> ParseWireTask(const std::string& name) {
  if (name == "lowrank") return v1::TASK_LOW_RANK;
  if (name == "regression") return v1::TASK_REGRESSION;
  return UsageError(absl::StrCat("unknown task '", name, "' (expected lowrank or regression)"));
}

std::string WireTaskName(v1::Task task) {
  switch (task) {
    case v1::TASK_LOW_RANK: return "lowrank";
    case v1::TASK_REGRESSION: return "regression";
    default: return "unspecified";
  }
}

absl::StatusOr<v1::Solver> ParseWireSolver(const std::string& name) {
  if (name == "sketch_and_solve") return v1::SOLVER_SKETCH_AND_SOLVE;
  if (name == "lsqr") return v1::SOLVER_LSQR;
  if (name == "ihs") return v1::SOLVER_IHS;
  return UsageError(
      absl::StrCat("unknown solver '", name, "' (expected sketch_and_solve, lsqr or ihs)"));
}

std::string JobStateName(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_QUEUED: return "queued";
    case v1::JOB_STATE_RUNNING: return "running";
    case v1::JOB_STATE_SUCCEEDED: return "succeeded";
    case v1::JOB_STATE_FAILED: return "failed";
    case v1::JOB_STATE_CANCELLED: return "cancelled";
    case v1::JOB_STATE_INTERRUPTED: return "interrupted";
    default: return "unspecified";
  }
}

bool IsTerminal(v1::JobState state) {
  return state == v1::JOB_STATE_SUCCEEDED || state == v1::JOB_STATE_FAILED ||
         state == v1::JOB_STATE_CANCELLED || state == v1::JOB_STATE_INTERRUPTED;
}

void ApplyBulkStreamArguments(int64_t window_bytes, grpc::ChannelArguments* args) {
  if (window_bytes <= 0) return;
  args->SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args->SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
               static_cast<int>(std::min<int64_t>(window_bytes, 1 << 30)));
}

SketchdClient::SketchdClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(v1::SketchService::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<SketchdClient>> SketchdClient::Connect(
    const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  const bool tls = options.use_tls || !options.tls_ca_file.empty() ||
                   !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  grpc::ChannelArguments args;
  ApplyBulkStreamArguments(options.stream_window_bytes, &args);
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca_file.empty()) {
      SKETCHD_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadTextFile(options.tls_ca_file, "TLS CA"));
    }
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return UsageError("a client certificate needs both --tls_cert and --tls_key");
    }
    if (!options.tls_cert_file.empty()) {
      SKETCHD_ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                                      ReadTextFile(options.tls_cert_file, "TLS certificate"));
      SKETCHD_ASSIGN_OR_RETURN(ssl.pem_private_key,
                                      ReadTextFile(options.tls_key_file, "TLS key"));
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  auto channel = grpc::CreateCustomChannel(options.address, credentials, args);
  return std::unique_ptr<SketchdClient>(new SketchdClient(options, std::move(channel)));
}

std::unique_ptr<grpc::ClientContext> SketchdClient::NewContext(double timeout_seconds) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::microseconds(static_cast<int64_t>(timeout_seconds * 1e6)));
  if (!options_.token.empty()) context->AddMetadata("authorization", "Bearer " + options_.token);
  return context;
}

absl::Status SketchdClient::Retry(const std::function<grpc::Status()>& attempt) const {
  double backoff = options_.initial_backoff_seconds;
  for (int i = 1;; ++i) {
    grpc::Status status = attempt();
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE || i >= options_.max_attempts) {
      return FromGrpcStatus(status, options_.address);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(backoff * 1e6)));
    backoff = std::min(backoff * 2, options_.max_backoff_seconds);
  }
}

absl::StatusOr<std::string> SketchdClient::Health(const std::string& service) {
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  auto health = grpc::health::v1::Health::NewStub(channel_);
  SKETCHD_RETURN_IF_ERROR(Retry([&] {
    auto context = NewContext(options_.timeout_seconds);
    return health->Check(context.get(), request, &response);
  }));
  // proto3 enums are open: a status newer than this file has no name.
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  return name.empty() ? std::string("UNKNOWN") : name;
}

absl::StatusOr<v1::Dataset> SketchdClient::CreateDataset(const std::string& name, int64_t n,
                                                         int64_t d,
                                                         const std::string& description) {
  v1::CreateDatasetRequest request;
  request.set_name(name);
  request.set_n(n);
  request.set_d(d);
  request.set_description(description);
  v1::Dataset response;
  SKETCHD_RETURN_IF_ERROR(CallOnce(&v1::SketchService::Stub::CreateDataset, request, &response));
  return response;
}

absl::StatusOr<v1::Dataset> SketchdClient::GetDataset(const std::string& name) {
  v1::GetDatasetRequest request;
  request.set_name(name);
  v1::Dataset response;
  SKETCHD_RETURN_IF_ERROR(CallWithRetry(&v1::SketchService::Stub::GetDataset, request, &response));
  return response;
}

absl::StatusOr<std::vector<v1::Dataset>> SketchdClient::ListDatasets() {
  v1::ListDatasetsRequest request;
  std::vector<v1::Dataset> all;
  do {  // every page
    v1::ListDatasetsResponse response;
    SKETCHD_RETURN_IF_ERROR(
        CallWithRetry(&v1::SketchService::Stub::ListDatasets, request, &response));
    all.insert(all.end(), response.datasets().begin(), response.datasets().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

absl::Status SketchdClient::DeleteDataset(const std::string& name, bool force) {
  v1::DeleteDatasetRequest request;
  request.set_name(name);
  request.set_force(force);
  v1::DeleteDatasetResponse response;
  return CallOnce(&v1::SketchService::Stub::DeleteDataset, request, &response);
}

absl::StatusOr<v1::UploadTrainingMatricesResponse> SketchdClient::UploadMatrices(
    const std::string& dataset, RowBlockSource& source, const TransferCallback& progress) {
  const v1::DType dtype = source.exact_in_float32() ? v1::DTYPE_FLOAT32 : v1::DTYPE_FLOAT64;
  const int64_t total =
      source.matrix_count() * source.rows() * source.cols() * DTypeSize(dtype);
  auto context = NewContext(options_.stream_timeout_seconds);
  v1::UploadTrainingMatricesResponse response;
  auto writer = stub_->UploadTrainingMatrices(context.get(), &response);
  SKETCHD_RETURN_IF_ERROR(SendRowStream<v1::UploadTrainingMatricesRequest>(
      context.get(), writer.get(), source, /*rows=*/-1, dtype, total, progress,
      [&](int64_t, v1::UploadTrainingMatricesRequest* request) {
        v1::MatrixHeader* header = request->mutable_header();
        header->set_dataset(dataset);
        header->set_rows(source.rows());
        header->set_cols(source.cols());
        header->set_dtype(dtype);
      }));
  SKETCHD_RETURN_IF_ERROR(FromGrpcStatus(writer->Finish(), options_.address));
  return response;
}

absl::StatusOr<v1::UploadTrainingMatricesResponse> SketchdClient::UploadMatrices(
    const std::string& dataset, const std::vector<RowMatrixXd>& matrices) {
  std::vector<const RowMatrixXd*> pointers;
  for (const auto& m : matrices) pointers.push_back(&m);
  auto source = MemoryRowBlocks(pointers, options_.chunk_bytes);
  if (!source.ok()) return source.status();
  return UploadMatrices(dataset, **source);
}

absl::StatusOr<v1::UploadTrainingMatricesResponse> SketchdClient::UploadFiles(
    const std::string& dataset, const std::vector<std::string>& paths,
    const TransferCallback& progress) {
  auto source = InputRowBlocks(paths, options_.chunk_bytes);
  if (!source.ok()) return source.status();
  return UploadMatrices(dataset, **source, progress);
}

absl::StatusOr<v1::Job> SketchdClient::StartTraining(const std::string& dataset,
                                                     const v1::TrainingOptions& options,
                                                     const std::string& request_id) {
  v1::StartTrainingRequest request;
  request.set_dataset(dataset);
  *request.mutable_options() = options;
  request.set_request_id(request_id.empty() ? NewRequestId() : request_id);
  v1::Job job;
  SKETCHD_RETURN_IF_ERROR(CallWithRetry(&v1::SketchService::Stub::StartTraining, request, &job));
  return job;
}

absl::StatusOr<v1::Job> SketchdClient::GetJob(int64_t job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  v1::Job job;
  SKETCHD_RETURN_IF_ERROR(CallWithRetry(&v1::SketchService::Stub::GetJob, request, &job));
  return job;
}

absl::StatusOr<std::vector<v1::Job>> SketchdClient::ListJobs(const std::string& dataset) {
  v1::ListJobsRequest request;
  request.set_dataset(dataset);
  std::vector<v1::Job> all;
  do {  // every page
    v1::ListJobsResponse response;
    SKETCHD_RETURN_IF_ERROR(CallWithRetry(&v1::SketchService::Stub::ListJobs, request, &response));
    all.insert(all.end(), response.jobs().begin(), response.jobs().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

absl::StatusOr<v1::Job> SketchdClient::CancelJob(int64_t job_id) {
  v1::CancelJobRequest request;
  request.set_job_id(job_id);
  v1::Job job;
  SKETCHD_RETURN_IF_ERROR(CallOnce(&v1::SketchService::Stub::CancelJob, request, &job));
  return job;
}

absl::StatusOr<v1::Job> SketchdClient::RestartJob(int64_t job_id) {
  v1::RestartJobRequest request;
  request.set_job_id(job_id);
  v1::Job job;
  SKETCHD_RETURN_IF_ERROR(CallOnce(&v1::SketchService::Stub::RestartJob, request, &job));
  return job;
}

absl::StatusOr<v1::Job> SketchdClient::WatchJob(int64_t job_id, const JobCallback& on_update) {
  v1::WatchJobRequest request;
  request.set_job_id(job_id);
  std::optional<v1::Job> last;
  double backoff = options_.initial_backoff_seconds;
  int failures = 0;
  while (true) {
    auto context = NewContext(options_.stream_timeout_seconds);
    auto reader = stub_->WatchJob(context.get(), request);
    v1::Job job;
    bool progressed = false;
    while (reader->Read(&job)) {
      progressed = true;
      if (on_update) on_update(job);
      last = job;
      if (IsTerminal(job.state())) {
        context->TryCancel();  // nothing more to wait for
        break;
      }
    }
    grpc::Status status = reader->Finish();
    if (last.has_value() && IsTerminal(last->state())) return *last;
    const bool retryable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                           status.ok();  // a stream that ended early: ask again
    if (!retryable) return FromGrpcStatus(status, options_.address);
    if (progressed) {
      failures = 0;
      backoff = options_.initial_backoff_seconds;
    }
    if (++failures >= options_.max_attempts) {
      if (status.ok()) {
        return ServerError(absl::UnknownError(
            absl::StrCat("WatchJob: stream for job ", job_id, " ended before the job finished")));
      }
      return FromGrpcStatus(status, options_.address);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(backoff * 1e6)));
    backoff = std::min(backoff * 2, options_.max_backoff_seconds);
  }
}

absl::StatusOr<std::vector<v1::SketchInfo>> SketchdClient::ListSketches(const std::string& dataset,
                                                                        v1::Task task) {
  v1::ListSketchesRequest request;
  request.set_dataset(dataset);
  request.set_task(task);
  std::vector<v1::SketchInfo> all;
  do {  // every page
    v1::ListSketchesResponse response;
    SKETCHD_RETURN_IF_ERROR(
        CallWithRetry(&v1::SketchService::Stub::ListSketches, request, &response));
    all.insert(all.end(), response.sketches().begin(), response.sketches().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

absl::StatusOr<v1::GetSketchResponse> SketchdClient::GetSketch(const std::string& dataset,
                                                               const v1::SketchSelector& selector,
                                                               v1::Task task,
                                                               bool include_serialized) {
  v1::GetSketchRequest request;
  request.set_dataset(dataset);
  *request.mutable_sketch() = selector;
  request.set_task(task);
  request.set_include_serialized(include_serialized);
  // The server streams the sketch in pieces (any size fits the message
  // limit); they are joined back into one response. Idempotent: a broken
  // stream is read again from the start.
  v1::GetSketchResponse response;
  SKETCHD_RETURN_IF_ERROR(Retry([&] {
    response.Clear();
    auto context = NewContext(options_.stream_timeout_seconds);
    auto reader = stub_->GetSketch(context.get(), request);
    v1::GetSketchResponse piece;
    std::string serialized;
    bool first = true;
    while (reader->Read(&piece)) {
      if (first) {
        *response.mutable_info() = std::move(*piece.mutable_info());
        response.set_m(piece.m());
        response.set_n(piece.n());
        *response.mutable_block_rows() = std::move(*piece.mutable_block_rows());
        first = false;
      }
      response.mutable_positions()->Add(piece.positions().begin(), piece.positions().end());
      response.mutable_values()->Add(piece.values().begin(), piece.values().end());
      serialized.append(piece.serialized());
    }
    response.set_serialized(std::move(serialized));
    return reader->Finish();
  }));
  return response;
}

absl::StatusOr<v1::SketchInfo> SketchdClient::SetDefaultSketch(const std::string& dataset,
                                                               int64_t version) {
  v1::SetDefaultSketchRequest request;
  request.set_dataset(dataset);
  request.set_version(version);
  v1::SetDefaultSketchResponse response;
  SKETCHD_RETURN_IF_ERROR(CallOnce(&v1::SketchService::Stub::SetDefaultSketch, request, &response));
  return response.sketch();
}

absl::Status SketchdClient::DeleteSketch(const std::string& dataset, int64_t version) {
  v1::DeleteSketchRequest request;
  request.set_dataset(dataset);
  request.set_version(version);
  v1::DeleteSketchResponse response;
  return CallOnce(&v1::SketchService::Stub::DeleteSketch, request, &response);
}

absl::StatusOr<LowRankResult> SketchdClient::LowRank(const std::string& dataset,
                                                     const v1::SketchSelector& selector, int64_t k,
                                                     RowBlockSource& source,
                                                     const TransferCallback& progress,
                                                     const LowRankCallOptions& call) {
  const v1::DType dtype = source.exact_in_float32() ? v1::DTYPE_FLOAT32 : v1::DTYPE_FLOAT64;
  const int64_t n = source.rows();
  const int64_t d = source.cols();
  const int64_t total = n * d * DTypeSize(dtype);
  auto context = NewContext(options_.stream_timeout_seconds);
  auto stream = stub_->LowRank(context.get());

  SKETCHD_RETURN_IF_ERROR(SendRowStream<v1::LowRankRequest>(
      context.get(), stream.get(), source, n, dtype, total, progress,
      [&](int64_t, v1::LowRankRequest* request) {
        v1::LowRankHeader* header = request->mutable_header();
        header->set_dataset(dataset);
        *header->mutable_sketch() = selector;
        header->set_k(k);
        header->set_n(n);
        header->set_d(d);
        header->set_dtype(dtype);
        header->set_power_iters(call.power_iters);
        header->set_block_krylov(call.block_krylov);
        if (call.one_pass) *header->mutable_one_pass() = *call.one_pass;
      }));

  LowRankResult result;
  bool have_summary = false;
  v1::LowRankResponse response;
  absl::Status chunk_error;
  while (stream->Read(&response)) {
    if (response.has_summary()) {
      result.summary = response.summary();
      const int64_t kk = result.summary.k();
      result.left = MatrixXd::Zero(result.summary.n(), kk);
      result.right = MatrixXd::Zero(result.summary.d(), kk);
      have_summary = true;
      continue;
    }
    const v1::FactorChunk& chunk = response.chunk();
    MatrixXd* target = chunk.factor() == v1::FACTOR_LEFT    ? &result.left
                       : chunk.factor() == v1::FACTOR_RIGHT ? &result.right
                                                            : nullptr;
    const int64_t kk = result.summary.k();
    if (!have_summary || target == nullptr || chunk.first_row() < 0 || chunk.rows() < 0 ||
        chunk.first_row() + chunk.rows() > target->rows()) {
      chunk_error = ServerError(absl::InternalError("LowRank: malformed factor chunk from server"));
      continue;
    }
    absl::StatusOr<RowMatrixXd> rows =
        DecodeLittleEndianRows(chunk.data(), ElementType::kFloat64, chunk.rows(), kk);
    if (!rows.ok()) {
      chunk_error = ServerError(absl::InternalError(
          absl::StrCat("LowRank: malformed factor chunk from server: ", rows.status().message())));
      continue;
    }
    target->middleRows(chunk.first_row(), chunk.rows()) = *rows;
  }
  SKETCHD_RETURN_IF_ERROR(FromGrpcStatus(stream->Finish(), options_.address));
  SKETCHD_RETURN_IF_ERROR(chunk_error);
  if (!have_summary) {
    return ServerError(absl::InternalError("LowRank: the server sent no summary"));
  }
  return result;
}

absl::StatusOr<LowRankResult> SketchdClient::LowRank(const std::string& dataset,
                                                     const v1::SketchSelector& selector, int64_t k,
                                                     const RowMatrixXd& a,
                                                     const LowRankCallOptions& call) {
  auto source = MemoryRowBlocks({&a}, options_.chunk_bytes);
  if (!source.ok()) return source.status();
  return LowRank(dataset, selector, k, **source, {}, call);
}

absl::StatusOr<v1::SolveResponse> SketchdClient::Solve(const std::string& dataset,
                                                       const v1::SketchSelector& selector,
                                                       const SolveRequestOptions& options,
                                                       RowBlockSource& a_source, const VectorXd& b,
                                                       const TransferCallback& progress) {
  const int64_t n = a_source.rows();
  const int64_t d = a_source.cols();
  if (b.size() != n) {
    return InputError(absl::InvalidArgumentError(
        absl::StrCat("b has ", b.size(), " entries but A has ", n, " rows")));
  }
  const v1::DType dtype =
      a_source.exact_in_float32() && ExactInFloat32(b) ? v1::DTYPE_FLOAT32 : v1::DTYPE_FLOAT64;
  const int64_t total = n * (d + 1) * DTypeSize(dtype);
  auto context = NewContext(options_.stream_timeout_seconds);
  v1::SolveResponse response;
  auto writer = stub_->Solve(context.get(), &response);

  SKETCHD_RETURN_IF_ERROR(SendRowStream<v1::SolveRequest>(
      context.get(), writer.get(), a_source, n, dtype, total, progress,
      [&](int64_t, v1::SolveRequest* request) {
        v1::SolveHeader* header = request->mutable_header();
        header->set_dataset(dataset);
        *header->mutable_sketch() = selector;
        header->set_solver(options.solver);
        if (options.lasso_lambda.has_value()) header->set_lasso_lambda(*options.lasso_lambda);
        header->set_tolerance(options.tolerance);
        header->set_max_iterations(options.max_iterations);
        header->set_n(n);
        header->set_d(d);
        header->set_dtype(dtype);
        header->set_record_objective(options.record_objective);
      },
      [&](const RowBlockSource::Block& block) {  // [A | b]
        const int64_t r = block.rows.rows();
        RowMatrixXd ab(r, d + 1);
        ab.leftCols(d) = block.rows;
        ab.col(d) = b.segment(block.first_row, r);
        return ab;
      }));
  SKETCHD_RETURN_IF_ERROR(FromGrpcStatus(writer->Finish(), options_.address));
  return response;
}

absl::StatusOr<v1::SolveResponse> SketchdClient::Solve(const std::string& dataset,
                                                       const v1::SketchSelector& selector,
                                                       const SolveRequestOptions& options,
                                                       const RowMatrixXd& a, const VectorXd& b) {
  auto source = MemoryRowBlocks({&a}, options_.chunk_bytes);
  if (!source.ok()) return source.status();
  return Solve(dataset, selector, options, **source, b);
}

}  // namespace sketchd
