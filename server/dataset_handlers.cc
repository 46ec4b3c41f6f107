// Datasets and training-matrix upload.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/names.h"
#include "server/proto_convert.h"
#include "server/pagination.h"
#include "server/row_blocks.h"
#include "server/row_stream.h"
#include "server/sketch_service.h"
#include "server/wall_clock.h"

namespace sketchd {

grpc::Status SketchServiceImpl::CreateDataset(grpc::ServerContext* ctx,
                                              const v1::CreateDatasetRequest* req,
                                              v1::Dataset* resp) {
  return Handle(ctx, "CreateDataset", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->name());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->name()));
    if (req->n() < 1) {
      return absl::InvalidArgumentError(absl::StrCat("n must be ≥ 1 (rows of the dataset's matrices), got ", req->n()));
    }
    if (req->n() > options_.max_rows) {
      return absl::ResourceExhaustedError(absl::StrCat("n = ", req->n(), " exceeds the limit ",
                                                       options_.max_rows, " (--max_rows)"));
    }
    if (req->d() < 0) return absl::InvalidArgumentError("d must be ≥ 0 (0 = any)");
    if (req->description().size() > 4096) {
      return absl::InvalidArgumentError("description longer than 4096 bytes");
    }
    DatasetRecord r;
    r.name = req->name();
    r.n = req->n();
    r.d = req->d();
    r.description = req->description();
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord created, store_->CreateDataset(r));
    cache_->EraseDataset(created.name);  // a re-created name restarts versions
    *resp = ToProto(created);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::GetDataset(grpc::ServerContext* ctx,
                                           const v1::GetDatasetRequest* req, v1::Dataset* resp) {
  return Handle(ctx, "GetDataset", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->name());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->name()));
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord r, store_->GetDataset(req->name()));
    *resp = ToProto(r);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::ListDatasets(grpc::ServerContext* ctx,
                                             const v1::ListDatasetsRequest* req,
                                             v1::ListDatasetsResponse* resp) {
  return Handle(ctx, "ListDatasets", [&](RpcLog&) -> absl::Status {
    SKETCHD_ASSIGN_OR_RETURN(std::vector<DatasetRecord> all, store_->ListDatasets());
    // By name (byte order, as both stores sort).
    SKETCHD_ASSIGN_OR_RETURN(
        std::string next,
        TakePage(&all, "datasets", req->page_size(), req->page_token(),
                 [](const DatasetRecord& r, const std::string& cursor) { return r.name > cursor; },
                 [](const DatasetRecord& r) { return r.name; }));
    for (const DatasetRecord& r : all) *resp->add_datasets() = ToProto(r);
    resp->set_next_page_token(next);
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::DeleteDataset(grpc::ServerContext* ctx,
                                              const v1::DeleteDatasetRequest* req,
                                              v1::DeleteDatasetResponse*) {
  return Handle(ctx, "DeleteDataset", [&](RpcLog& log) -> absl::Status {
    log.set_dataset(req->name());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(req->name()));
    SKETCHD_RETURN_IF_ERROR(store_->GetDataset(req->name()).status());
    std::vector<int64_t> active = jobs_->ActiveJobs(req->name());
    if (!active.empty()) {
      if (!req->force()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "dataset '", req->name(), "' has ", active.size(), " queued/running job(s) (first: ",
            active.front(), "); cancel them or delete with force"));
      }
      jobs_->CancelDatasetJobs(req->name());
    }
    SKETCHD_RETURN_IF_ERROR(store_->DeleteDataset(req->name()));
    cache_->EraseDataset(req->name());
    return absl::OkStatus();
  });
}

grpc::Status SketchServiceImpl::UploadTrainingMatrices(
    grpc::ServerContext* ctx, grpc::ServerReader<v1::UploadTrainingMatricesRequest>* reader,
    v1::UploadTrainingMatricesResponse* resp) {
  return Handle(ctx, "UploadTrainingMatrices", [&](RpcLog& log) -> absl::Status {
    StreamSlot slot(this);
    SKETCHD_RETURN_IF_ERROR(slot.status());
    const std::string upload_id =
        absl::StrCat("up-", NowMicros(), "-", upload_counter_.fetch_add(1));
    struct AbortGuard {
      Store* store;
      const std::string& id;
      bool committed = false;
      ~AbortGuard() {
        if (!committed) store->AbortUpload(id).IgnoreError();
      }
    } guard{store_, upload_id};

    // Header, rows, header, rows, …: the stream rules are the one reader's
    // (row_stream.h); here only what a header must agree with, and staging.
    RowStreamReader<v1::UploadTrainingMatricesRequest,
                    grpc::ServerReader<v1::UploadTrainingMatricesRequest>>
        in(ctx, reader, "UploadTrainingMatrices", "MatrixHeader", StreamHeaders::kOnePerMatrix,
           log);
    std::optional<DatasetRecord> dataset;
    int64_t cols = 0;
    // The current matrix's packed rows, exactly as received (pooled: see
    // buffer_pool.h); `filled` bytes of it are valid.
    PooledBuffer buffer;
    MemoryBudget::Reservation upload_memory;  // for `buffer`
    int64_t matrices = 0, bytes = 0;
    while (true) {
      SKETCHD_ASSIGN_OR_RETURN(std::optional<v1::UploadTrainingMatricesRequest> msg,
                               in.NextHeader());
      if (!msg) break;
      const v1::MatrixHeader& h = msg->header();
      const std::string what = absl::StrCat("matrix ", matrices + 1);
      if (!dataset) {
        log.set_dataset(h.dataset());
        SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(h.dataset()));
        SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, store_->GetDataset(h.dataset()));
        dataset = ds;
      } else if (h.dataset() != dataset->name) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header of matrix ", matrices + 1, " names dataset '", h.dataset(),
            "' but this stream uploads to '", dataset->name, "'; one dataset per stream"));
      }
      SKETCHD_ASSIGN_OR_RETURN(ElementType dtype, ParseWireDtype(h.dtype(), absl::StrCat("header of matrix ", matrices + 1)));
      if (h.rows() != dataset->n) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header of matrix ", matrices + 1, ": rows = ", h.rows(), " but dataset '",
            dataset->name, "' has n = ", dataset->n));
      }
      SKETCHD_RETURN_IF_ERROR(CheckShape(what.c_str(), h.rows(), h.cols()));
      if (dataset->d > 0 && h.cols() != dataset->d && h.cols() != dataset->d + 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header of matrix ", matrices + 1, ": cols = ", h.cols(), " but dataset '",
            dataset->name, "' has d = ", dataset->d, " (training matrices have d columns, or d + 1 for [A | b])"));
      }
      const int64_t expected_cols = dataset->training_cols > 0 ? dataset->training_cols : cols;
      if (expected_cols > 0 && h.cols() != expected_cols) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header of matrix ", matrices + 1, ": cols = ", h.cols(), " but the training matrices of '",
            dataset->name, "' have ", expected_cols, " columns"));
      }
      cols = h.cols();
      const size_t matrix_bytes = static_cast<size_t>(h.rows() * cols * ElementSize(dtype));
      // An upload holds one matrix's packed rows at a time (each is staged
      // in the store before the next): that buffer counts against the
      // memory budget, so many concurrent uploads cannot exhaust memory.
      if (upload_memory.bytes() != static_cast<int64_t>(matrix_bytes)) {
        upload_memory.Release();
        SKETCHD_ASSIGN_OR_RETURN(upload_memory,
                                 ReserveRequest("UploadTrainingMatrices",
                                                static_cast<int64_t>(matrix_bytes)));
      }
      if (buffer.size() != matrix_bytes) buffer = buffers_.Acquire(matrix_bytes);
      size_t filled = 0;
      // Kept packed (the store holds uploads as sent): only scanned for NaN/Inf.
      SKETCHD_RETURN_IF_ERROR(in.ReadRows(
          what, dtype, h.rows(), cols,
          [&](int64_t first, int64_t, absl::string_view data) -> absl::Status {
            SKETCHD_RETURN_IF_ERROR(CheckFinitePackedRows(what, data, dtype, first, cols));
            std::memcpy(buffer.data() + filled, data.data(), data.size());  // checked: fits
            filled += data.size();
            return absl::OkStatus();
          }));
      SKETCHD_RETURN_IF_ERROR(store_->StageMatrix(dataset->name, upload_id, dataset->n, cols,
                                                  dtype, absl::string_view(buffer.data(), filled)));
      ++matrices;
      bytes += static_cast<int64_t>(filled);
    }
    SKETCHD_ASSIGN_OR_RETURN(int64_t total, store_->CommitUpload(dataset->name, upload_id));
    guard.committed = true;
    resp->set_dataset(dataset->name);
    resp->set_matrices_received(matrices);
    resp->set_bytes_received(bytes);
    resp->set_total_matrices(total);
    return absl::OkStatus();
  });
}

}  // namespace sketchd
