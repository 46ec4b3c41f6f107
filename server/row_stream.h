// The server's one reader of the client-streaming requests that carry
// matrices as row blocks: LowRank and Solve (exactly one header, then the
// rows of one matrix) and UploadTrainingMatrices (a header per matrix, each
// followed by its rows). One place for the stream rules — a header first,
// block row counts adding up to the declared rows, byte counts and NaN/Inf
// (the core codec), the bytes logged, and a client that cancels or goes away
// mid-stream reported as CANCELLED / DEADLINE_EXCEEDED rather than as a
// malformed stream.
//
// Thread-safety: a reader belongs to the one handler thread of its call.
#ifndef SKETCHD_SERVER_ROW_STREAM_H_
#define SKETCHD_SERVER_ROW_STREAM_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/io/packed_rows.h"
#include "server/row_blocks.h"
#include "server/rpc_log.h"

namespace sketchd {

// CANCELLED, or DEADLINE_EXCEEDED when the call's deadline has passed: what a
// handler returns when its client went away (reading or writing a stream).
inline absl::Status StreamClientGone(grpc::ServerContext* ctx) {
  if (ctx->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("deadline exceeded before the stream finished");
  }
  return absl::CancelledError("client cancelled the call");
}

// How many headers a stream carries.
enum class StreamHeaders {
  kOne,           // LowRank, Solve: one header, then one matrix to the end
  kOnePerMatrix,  // Upload: header, rows, header, rows, …
};

// Request is a message with a `header` and a `rows` (v1::RowBlock) case;
// Stream is the grpc::ServerReader / ServerReaderWriter that yields it.
template <typename Request, typename Stream>
class RowStreamReader {
 public:
  // Consumes one checked block (row and byte counts agree with the header):
  // rows [first_row, first_row + block_rows) packed in `data`. It decodes or
  // stores them and rejects NaN/Inf.
  using Consume = std::function<absl::Status(int64_t first_row, int64_t block_rows,
                                             absl::string_view data)>;

  // `rpc` and `header_name` (e.g. "LowRank", "LowRankHeader") name the call
  // and its header type in errors.
  RowStreamReader(grpc::ServerContext* ctx, Stream* stream, absl::string_view rpc,
                  absl::string_view header_name, StreamHeaders headers, RpcLog& log)
      : ctx_(ctx), stream_(stream), rpc_(rpc), header_name_(header_name), headers_(headers),
        log_(log) {}

  RowStreamReader(const RowStreamReader&) = delete;
  RowStreamReader& operator=(const RowStreamReader&) = delete;

  // The next matrix's header message. std::nullopt when a kOnePerMatrix
  // stream ends after a complete matrix; a stream without any header is an
  // error. Call it once for kOne, and after each ReadRows for kOnePerMatrix.
  absl::StatusOr<std::optional<Request>> NextHeader() {
    Request msg;
    if (!stream_->Read(&msg)) {
      if (ctx_->IsCancelled()) return StreamClientGone(ctx_);
      if (headers_read_ > 0) return std::optional<Request>();
      return absl::InvalidArgumentError(absl::StrCat(
          rpc_, ": empty stream, no matrix: the first message must be a ", header_name_));
    }
    if (ctx_->IsCancelled()) return StreamClientGone(ctx_);
    if (msg.has_rows()) {
      return absl::InvalidArgumentError(
          headers_read_ == 0
              ? absl::StrCat(rpc_, ": row block before any header: the first message must be a ",
                             header_name_)
              : absl::StrCat(rpc_, ": row block after a complete matrix: send the next matrix's ",
                             header_name_, " first"));
    }
    if (!msg.has_header()) {
      return absl::InvalidArgumentError(
          absl::StrCat(rpc_, ": empty message: set header or rows"));
    }
    ++headers_read_;
    return std::optional<Request>(std::move(msg));
  }

  // Reads the row blocks of the matrix whose header NextHeader returned
  // (rows×cols of `dtype`), handing each to `consume`. kOne reads to the end
  // of the stream; kOnePerMatrix stops as soon as all rows arrived (the next
  // message is NextHeader's). `what` names the matrix in errors.
  absl::Status ReadRows(absl::string_view what, ElementType dtype, int64_t rows, int64_t cols,
                        const Consume& consume) {
    RowBlockChecker checker(what, rows, cols, dtype);
    Request msg;
    absl::Status status;
    while (status.ok() && !(headers_ == StreamHeaders::kOnePerMatrix && checker.complete()) &&
           stream_->Read(&msg)) {
      if (msg.has_header()) {
        status = headers_ == StreamHeaders::kOne
                     ? absl::InvalidArgumentError(absl::StrCat(
                           what, ": a second header arrived; send exactly one header per stream"))
                     : absl::InvalidArgumentError(absl::StrCat(
                           "header of matrix ", headers_read_ + 1, " arrived after ",
                           checker.rows_received(), " of the ", rows, " rows of matrix ",
                           headers_read_));
        break;
      }
      if (!msg.has_rows()) {
        status = absl::InvalidArgumentError(absl::StrCat(what, ": empty message: set rows"));
        break;
      }
      const int64_t first = checker.rows_received();
      const int64_t block = msg.rows().rows();
      status = checker.Check(block, msg.rows().data());
      if (status.ok()) status = consume(first, block, msg.rows().data());
      if (!status.ok()) break;
      checker.Advance(block);
      log_.add_bytes(static_cast<int64_t>(msg.rows().data().size()));
      if (ctx_->IsCancelled()) return StreamClientGone(ctx_);
    }
    if (ctx_->IsCancelled()) return StreamClientGone(ctx_);
    if (!status.ok()) return status;
    return checker.CheckComplete();
  }

  // ReadRows decoding each block into `destination(first_row, block_rows)`
  // (row-major, `cols` per row); `on_block(first_row, block_rows)` runs after
  // each block is decoded.
  absl::Status ReadRowsInto(absl::string_view what, ElementType dtype, int64_t rows, int64_t cols,
                            const std::function<double*(int64_t, int64_t)>& destination,
                            const std::function<absl::Status(int64_t, int64_t)>& on_block) {
    return ReadRows(what, dtype, rows, cols,
                    [&](int64_t first, int64_t block, absl::string_view data) -> absl::Status {
                      absl::Status s = DecodePackedRows(what, data, dtype, first, block, cols,
                                                        destination(first, block), cols);
                      if (!s.ok()) return s;
                      return on_block(first, block);
                    });
  }

  // ReadRowsInto the rows of `out` (a row-major rows×cols matrix, already
  // sized).
  template <typename Matrix>
  absl::Status ReadRowsInto(absl::string_view what, ElementType dtype, Matrix* out,
                            const std::function<absl::Status(int64_t, int64_t)>& on_block) {
    return ReadRowsInto(
        what, dtype, out->rows(), out->cols(),
        [out](int64_t first, int64_t) { return out->row(first).data(); }, on_block);
  }

  // Headers NextHeader returned so far (the current matrix's 1-based index).
  int64_t headers_read() const { return headers_read_; }

 private:
  grpc::ServerContext* const ctx_;
  Stream* const stream_;
  const std::string rpc_;
  const std::string header_name_;
  const StreamHeaders headers_;
  RpcLog& log_;
  int64_t headers_read_ = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_ROW_STREAM_H_
