// The server's reader of the client-streaming requests of LowRank and Solve:
// exactly one header, then row blocks of one rows×cols matrix. One place for
// the stream rules — header first and only once, block row counts adding up
// to the declared rows, byte counts and NaN/Inf (the core codec), the bytes
// logged, and a client that cancels or goes away mid-stream reported as
// CANCELLED / DEADLINE_EXCEEDED rather than as a malformed stream.
#ifndef SKETCHD_SERVER_ROW_STREAM_H_
#define SKETCHD_SERVER_ROW_STREAM_H_

#include <chrono>
#include <cstdint>
#include <functional>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/io/packed_rows.h"
#include "core/status_macros.h"
#include "server/row_blocks.h"
#include "server/rpc_log.h"

namespace sketchd {

// CANCELLED, or DEADLINE_EXCEEDED when the call's deadline has passed.
inline absl::Status StreamClientGone(grpc::ServerContext* ctx) {
  if (ctx->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("deadline exceeded before the stream finished");
  }
  return absl::CancelledError("client cancelled the call");
}

// The first message of the stream, which must carry the header
// (`header_name` names its type in the error).
template <typename Request, typename Stream>
absl::StatusOr<Request> ReadStreamHeader(grpc::ServerContext* ctx, Stream* stream,
                                         absl::string_view rpc, absl::string_view header_name) {
  Request first;
  if (!stream->Read(&first)) {
    if (ctx->IsCancelled()) return StreamClientGone(ctx);
    return absl::InvalidArgumentError(
        absl::StrCat(rpc, ": empty stream; the first message must be a header"));
  }
  if (!first.has_header()) {
    return absl::InvalidArgumentError(absl::StrCat(
        rpc, ": the first message must be a ", header_name, ", got a row block"));
  }
  return first;
}

// Reads the row blocks that follow the header (rows×cols in all) up to the
// end of the stream, decoding each into `destination(first_row, block_rows)`
// (row-major, `cols` per row); `on_block(first_row, rows)` runs after each
// block is decoded. A client gone mid-stream is StreamClientGone.
template <typename Request, typename Stream>
absl::Status ReadRowBlocksInto(grpc::ServerContext* ctx, Stream* stream, const char* what,
                               ElementType dtype, int64_t rows, int64_t cols, RpcLog& log,
                               const std::function<double*(int64_t, int64_t)>& destination,
                               const std::function<absl::Status(int64_t, int64_t)>& on_block) {
  RowBlockChecker checker(what, rows, cols, dtype);
  Request msg;
  absl::Status status;
  while (status.ok() && stream->Read(&msg)) {
    if (msg.has_header()) {
      status = absl::InvalidArgumentError(
          absl::StrCat(what, ": a second header arrived; send exactly one header per stream"));
      break;
    }
    if (!msg.has_rows()) {
      status = absl::InvalidArgumentError(absl::StrCat(what, ": empty message: set rows"));
      break;
    }
    const int64_t first = checker.rows_received();
    const int64_t block = msg.rows().rows();
    status = checker.Check(block, msg.rows().data());
    if (status.ok()) {
      status = DecodePackedRows(what, msg.rows().data(), dtype, first, block, cols,
                                destination(first, block), cols);
    }
    if (!status.ok()) break;
    checker.Advance(block);
    log.add_bytes(static_cast<int64_t>(msg.rows().data().size()));
    status = on_block(first, block);
    if (ctx->IsCancelled()) return StreamClientGone(ctx);
  }
  if (ctx->IsCancelled()) return StreamClientGone(ctx);
  if (!status.ok()) return status;
  return checker.CheckComplete();
}

// ReadRowBlocksInto the rows of `out` (rows×cols, already sized).
template <typename Request, typename Stream, typename Matrix>
absl::Status ReadRowBlocks(grpc::ServerContext* ctx, Stream* stream, const char* what,
                           ElementType dtype, Matrix* out, RpcLog& log,
                           const std::function<absl::Status(int64_t, int64_t)>& on_block) {
  return ReadRowBlocksInto<Request>(
      ctx, stream, what, dtype, out->rows(), out->cols(), log,
      [out](int64_t first, int64_t) { return out->row(first).data(); }, on_block);
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_ROW_STREAM_H_
