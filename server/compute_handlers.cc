// LowRank and Solve: stream A in, validate and sketch it as it arrives, call
// core, stream the answer out. Readers never wait on training: they use the
// last committed sketch (parsed copies cached by (dataset, version)).
#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/io/element_type.h"
#include "core/io/packed_rows.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/lowrank/two_sided_sketch.h"
#include "core/regression/solve.h"
#include "core/regression/solve_memory.h"
#include "core/sketch/sketch_accumulator.h"
#include "core/status_macros.h"
#include "server/names.h"
#include "server/resource_estimates.h"
#include "server/row_stream.h"
#include "server/sketch_service.h"

namespace sketchd {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Column-major factor rows [r0, r0 + rows) as packed float64 rows.
std::string PackRows(const MatrixXd& f, int64_t r0, int64_t rows) {
  const RowMatrixXd block = f.middleRows(r0, rows);
  return EncodeLittleEndian(block, ElementType::kFloat64);
}

}  // namespace

absl::Status SketchServiceImpl::CheckRandomSketchRows(int64_t m, int64_t n) const {
  // A sketch with more rows than A compresses nothing and costs m·d memory
  // (m = 1e6 on a 240 KB input once took 4.9 GB and 70 s).
  const int64_t limit = std::min(options_.max_sketch_rows, n);
  if (m < 1 || m > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sketch.random.m = ", m, " must be in [1, ", limit, "]: at most n = ", n,
        " (the rows of A; a sketch larger than A saves nothing) and at most ",
        options_.max_sketch_rows, " (--max_sketch_rows)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SketchServiceImpl::ResolvedSketch> SketchServiceImpl::ResolveSketch(
    const std::string& dataset, const v1::SketchSelector& selector, SketchTask default_task,
    int64_t n) {
  ResolvedSketch out;
  switch (selector.selector_case()) {
    case v1::SketchSelector::kRandom: {
      const int64_t m = selector.random().m();
      SKETCHD_RETURN_IF_ERROR(CheckRandomSketchRows(m, n));
      SKETCHD_ASSIGN_OR_RETURN(CountSketch s, CountSketch::Random(m, n, selector.random().seed()));
      out.random = std::make_shared<const CountSketch>(std::move(s));
      return out;
    }
    case v1::SketchSelector::kVersion:
      if (selector.version() < 1) {
        return absl::InvalidArgumentError(absl::StrCat("sketch.version must be ≥ 1, got ", selector.version()));
      }
      out.version = selector.version();
      break;
    case v1::SketchSelector::kAutomatic:
      return absl::InvalidArgumentError(
          "sketch.automatic (sketch auto) is for LowRank only; choose a version, the default or "
          "a random sketch");
    default: {
      SKETCHD_ASSIGN_OR_RETURN(out.version, store_->DefaultSketchVersion(dataset, default_task));
    }
  }
  SKETCHD_ASSIGN_OR_RETURN(out.trained, cache_->Get(dataset, out.version));
  if (out.trained->options.transpose) {  // it sketches A's columns, not its rows
    return absl::FailedPreconditionError(absl::StrCat(
        "sketch ", out.version, " was trained with transpose: it is a range sketch R for "
        "one-pass LowRank (one_pass.right_sketch_version), not a sketch of A's rows"));
  }
  if (out.trained->sketch_n() != n) {
    return absl::FailedPreconditionError(absl::StrCat(
        "sketch ", out.version, " acts on ", out.trained->sketch_n(), " rows, request has n = ", n));
  }
  return out;
}

grpc::Status SketchServiceImpl::LowRank(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<v1::LowRankResponse, v1::LowRankRequest>* stream) {
  return Handle(ctx, "LowRank", [&](RpcLog& log) -> absl::Status {
    StreamSlot slot(this);
    SKETCHD_RETURN_IF_ERROR(slot.status());
    const auto start = Clock::now();
    LowRankReader in(ctx, stream, "LowRank", "LowRankHeader", StreamHeaders::kOne, log);
    SKETCHD_ASSIGN_OR_RETURN(std::optional<v1::LowRankRequest> first, in.NextHeader());
    const v1::LowRankHeader& h = first->header();
    log.set_dataset(h.dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(h.dataset()));
    SKETCHD_ASSIGN_OR_RETURN(ElementType dtype, ParseWireDtype(h.dtype(), "LowRank header"));
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, store_->GetDataset(h.dataset()));
    if (h.n() != ds.n) {
      return absl::InvalidArgumentError(absl::StrCat("LowRank header: n = ", h.n(), " but dataset '",
                                                     ds.name, "' has n = ", ds.n));
    }
    // One pass never holds A, so only its row count is limited (and the
    // sketched state, checked in OnePassLowRank); two passes hold n×d.
    SKETCHD_RETURN_IF_ERROR(CheckShape("LowRank header", h.n(), h.has_one_pass() ? 1 : h.d()));
    if (ds.d > 0 && h.d() != ds.d) {
      return absl::InvalidArgumentError(absl::StrCat("LowRank header: d = ", h.d(), " but dataset '",
                                                     ds.name, "' has d = ", ds.d));
    }
    if (h.k() < 1 || h.k() > std::min(h.n(), h.d())) {
      return absl::InvalidArgumentError(absl::StrCat("LowRank header: k = ", h.k(),
                                                     " must be in [1, min(n, d)] = [1, ",
                                                     std::min(h.n(), h.d()), "]"));
    }
    if (h.power_iters() < 0 || h.power_iters() > kMaxPowerIters) {
      return absl::InvalidArgumentError(absl::StrCat("LowRank header: power_iters = ",
                                                     h.power_iters(), " must be in [0, ",
                                                     kMaxPowerIters, "]"));
    }
    if (h.sketch().selector_case() == v1::SketchSelector::kAutomatic) {
      return AutoLowRank(ctx, stream, in, h, dtype, ds, start);
    }
    SKETCHD_ASSIGN_OR_RETURN(ResolvedSketch sketch,
                             ResolveSketch(ds.name, h.sketch(), SketchTask::kLowRank, h.n()));
    const int64_t sketch_m = sketch.trained ? sketch.trained->m() : sketch.random->rows();
    // k ≤ m ≤ n for stored sketches too (SCW returns at most m components).
    SKETCHD_RETURN_IF_ERROR(CheckSketchSizes(h.n(), sketch_m, h.k()));
    if (h.has_one_pass()) {
      if (sketch.trained && sketch.trained->is_dense()) {
        return absl::InvalidArgumentError(
            "LowRank header: one_pass needs a CountSketch, but the selected sketch is dense "
            "(method subspace); choose a sparse sketch version or a random one");
      }
      if (h.power_iters() != 0) {
        return absl::InvalidArgumentError(
            "LowRank header: one_pass reads A once, so power_iters must be 0");
      }
      if (h.block_krylov()) {
        return absl::InvalidArgumentError(
            "LowRank header: one_pass reads A once, so there are no iterates for block_krylov "
            "to keep; drop block_krylov or one_pass");
      }
      return OnePassLowRank(ctx, stream, in, h, dtype, sketch, start);
    }
    // Admitted by estimated memory before a row is read or buffered.
    SKETCHD_ASSIGN_OR_RETURN(
        MemoryBudget::Reservation memory,
        ReserveRequest("LowRank", EstimateLowRankRequestBytes(h.n(), h.d(), sketch_m, h.k(),
                                                              h.power_iters(), h.block_krylov())));

    // SCW needs A twice (SA, then AV), so rows are kept; SA is accumulated
    // while they arrive so the first pass costs no extra read.
    PooledBuffer a_buffer = buffers_.Acquire(static_cast<size_t>(h.n() * h.d()) * sizeof(double));
    Eigen::Map<RowMatrixXd> a(a_buffer.doubles(), h.n(), h.d());
    // A dense (subspace) sketch accumulates SA += S[:, rows]·A_rows instead.
    const MatrixXd* dense = sketch.trained && sketch.trained->is_dense() ? &sketch.trained->dense
                                                                          : nullptr;
    std::optional<SketchAccumulator> acc;
    if (!dense) acc.emplace(sketch.sketch(), h.d());
    MatrixXd dense_sa = dense ? MatrixXd::Zero(sketch_m, h.d()) : MatrixXd();
    double sketch_seconds = 0;
    LowRankOptions options;
    options.power_iters = h.power_iters();
    options.block_krylov = h.block_krylov();
    options.input_squared_norm = 0;  // ‖A‖_F² for the exact error, from rows still in cache
    absl::Status received = in.ReadRowsInto(
        "LowRank", dtype, &a, [&](int64_t r0, int64_t rows) {
          const auto t = Clock::now();
          absl::Status s = absl::OkStatus();
          if (dense) {
            dense_sa.noalias() += dense->middleCols(r0, rows) * a.middleRows(r0, rows);
          } else {
            s = acc->AddRows(r0, a.middleRows(r0, rows));
          }
          options.input_squared_norm += a.middleRows(r0, rows).squaredNorm();
          sketch_seconds += Since(t);
          return s;
        });
    if (!received.ok()) return received;  // client gone: CANCELLED / DEADLINE_EXCEEDED
    const double receive_seconds = Since(start);

    MatrixXd sa = dense ? std::move(dense_sa) : MatrixXd(acc->result());
    SKETCHD_ASSIGN_OR_RETURN(LowRankFactors f, ScwFromSketched(sa, a, h.k(), options));
    if (ctx->IsCancelled()) return StreamClientGone(ctx);
    a_buffer = PooledBuffer();  // A back to the pool before sending

    v1::LowRankResponse resp;
    v1::LowRankSummary* sum = resp.mutable_summary();
    FillLowRankSummary(h, sketch, f, sum);
    sum->set_power_iters(h.power_iters());
    sum->set_block_krylov(h.block_krylov());
    v1::LowRankTimings* t = sum->mutable_timings();
    t->set_receive_seconds(receive_seconds);
    t->set_sketch_seconds(sketch_seconds);
    t->set_power_seconds(f.timings.power_seconds);
    t->set_error_seconds(f.timings.error_seconds);
    t->set_total_seconds(Since(start));
    if (!stream->Write(resp)) return StreamClientGone(ctx);
    return WriteFactorChunks(ctx, stream, f);
  });
}

void SketchServiceImpl::FillLowRankSummary(const v1::LowRankHeader& h,
                                           const ResolvedSketch& sketch, const LowRankFactors& f,
                                           v1::LowRankSummary* sum) {
  sum->set_n(h.n());
  sum->set_d(h.d());
  sum->set_k(h.k());
  sum->set_rank(f.rank);
  sum->mutable_singular_values()->Add(f.singular_values.data(),
                                      f.singular_values.data() + f.singular_values.size());
  sum->set_sketch_version(sketch.version);
  sum->set_sketch_m(sketch.trained ? sketch.trained->m() : sketch.random->rows());
  // The answer's exact error (scw_low_rank.h); a one-pass answer never held
  // A, so its error is unknown (0 here, and passes = 1 says why).
  sum->set_error(f.error);
  sum->set_relative_error(f.relative_error);
  sum->set_input_norm(f.input_norm);
  sum->set_passes(f.passes);
  v1::LowRankTimings* t = sum->mutable_timings();
  t->set_basis_seconds(f.timings.basis_seconds);
  t->set_project_seconds(f.timings.project_seconds);
  t->set_svd_seconds(f.timings.svd_seconds);
}

absl::Status SketchServiceImpl::WriteFactorChunks(grpc::ServerContext* ctx, LowRankStream* stream,
                                                  const LowRankFactors& f) {
  // ≤ 1 MiB per chunk keeps every message far below the 4 MiB limit.
  const int64_t rows_per_chunk = std::max<int64_t>(1, (1 << 20) / (8 * f.left.cols()));
  for (const auto& [factor, m] : {std::pair{v1::FACTOR_LEFT, &f.left},
                                  std::pair{v1::FACTOR_RIGHT, &f.right}}) {
    for (int64_t r0 = 0; r0 < m->rows(); r0 += rows_per_chunk) {
      const int64_t rows = std::min(rows_per_chunk, m->rows() - r0);
      v1::LowRankResponse chunk;
      v1::FactorChunk* c = chunk.mutable_chunk();
      c->set_factor(factor);
      c->set_first_row(r0);
      c->set_rows(rows);
      c->set_data(PackRows(*m, r0, rows));
      if (!stream->Write(chunk)) return StreamClientGone(ctx);
    }
  }
  return absl::OkStatus();
}

absl::Status SketchServiceImpl::OnePassLowRank(grpc::ServerContext* ctx, LowRankStream* stream,
                                               LowRankReader& in,
                                               const v1::LowRankHeader& h, ElementType dtype,
                                               const ResolvedSketch& sketch,
                                               std::chrono::steady_clock::time_point start) {
  // Sizes first (one_pass_sketches.cc): every allocation below is bounded by them.
  SKETCHD_ASSIGN_OR_RETURN(TwoSidedSketches sketches, OnePassSketches(h, sketch));
  const int64_t m = sketches.left.rows(), range_m = sketches.right.rows();
  const int64_t core_m = sketches.core_left.rows();
  // SA, AR and its basis Q, TAW, the factors, and a message-sized block;
  // each term is bounded by the checks in OnePassSketches, so the sum fits.
  const int64_t estimate =
      8 * (m * h.d() + 2 * h.n() * range_m + core_m * core_m + (h.n() + h.d()) * h.k()) +
      options_.max_message_bytes;
  SKETCHD_ASSIGN_OR_RETURN(MemoryBudget::Reservation memory,
                           ReserveRequest("LowRank (one pass)", estimate));
  SKETCHD_ASSIGN_OR_RETURN(TwoSidedAccumulator acc,
                           TwoSidedAccumulator::Create(std::move(sketches), h.n(), h.d(), h.k()));

  // One row block at a time: A is never held (a block is bounded by the
  // message size limit the checker enforces before decoding).
  RowMatrixXd block;
  absl::Status received = in.ReadRowsInto(
      "LowRank", dtype, h.n(), h.d(),
      [&](int64_t, int64_t rows) {
        block.resize(rows, h.d());
        return block.data();
      },
      [&](int64_t r0, int64_t rows) { return acc.AddRows(r0, block.topRows(rows)); });
  if (!received.ok()) return received;  // client gone: CANCELLED / DEADLINE_EXCEEDED
  block = RowMatrixXd();
  const double receive_seconds = Since(start);
  SKETCHD_ASSIGN_OR_RETURN(LowRankFactors f, acc.Finish());
  if (ctx->IsCancelled()) return StreamClientGone(ctx);

  v1::LowRankResponse resp;
  v1::LowRankSummary* sum = resp.mutable_summary();
  FillLowRankSummary(h, sketch, f, sum);
  sum->set_one_pass_state_bytes(acc.state_bytes());
  sum->set_one_pass_core_m(core_m);
  sum->set_one_pass_range_m(range_m);
  sum->set_one_pass_right_sketch_version(h.one_pass().right_sketch_version());
  v1::LowRankTimings* t = sum->mutable_timings();
  t->set_receive_seconds(receive_seconds);
  t->set_sketch_seconds(f.timings.sketch_seconds);
  t->set_total_seconds(Since(start));
  if (!stream->Write(resp)) return StreamClientGone(ctx);
  return WriteFactorChunks(ctx, stream, f);
}

grpc::Status SketchServiceImpl::Solve(grpc::ServerContext* ctx,
                                      grpc::ServerReader<v1::SolveRequest>* reader,
                                      v1::SolveResponse* resp) {
  return Handle(ctx, "Solve", [&](RpcLog& log) -> absl::Status {
    StreamSlot slot(this);
    SKETCHD_RETURN_IF_ERROR(slot.status());
    const auto start = Clock::now();
    RowStreamReader<v1::SolveRequest, grpc::ServerReader<v1::SolveRequest>> in(
        ctx, reader, "Solve", "SolveHeader", StreamHeaders::kOne, log);
    SKETCHD_ASSIGN_OR_RETURN(std::optional<v1::SolveRequest> first, in.NextHeader());
    const v1::SolveHeader& h = first->header();
    log.set_dataset(h.dataset());
    SKETCHD_RETURN_IF_ERROR(ValidateDatasetName(h.dataset()));
    SKETCHD_ASSIGN_OR_RETURN(ElementType dtype, ParseWireDtype(h.dtype(), "Solve header"));
    SKETCHD_ASSIGN_OR_RETURN(DatasetRecord ds, store_->GetDataset(h.dataset()));
    if (h.n() != ds.n) {
      return absl::InvalidArgumentError(absl::StrCat("Solve header: n = ", h.n(), " but dataset '",
                                                     ds.name, "' has n = ", ds.n));
    }
    if (h.d() < 1) return absl::InvalidArgumentError(absl::StrCat("Solve header: d = ", h.d(), " must be ≥ 1"));
    SKETCHD_RETURN_IF_ERROR(CheckShape("Solve header", h.n(), h.d() + 1));
    if (ds.d > 0 && h.d() != ds.d) {
      return absl::InvalidArgumentError(absl::StrCat("Solve header: d = ", h.d(), " but dataset '",
                                                     ds.name, "' has d = ", ds.d));
    }
    if (h.d() > h.n()) {
      return absl::InvalidArgumentError(absl::StrCat("Solve header: d = ", h.d(), " > n = ", h.n(),
                                                     "; sketched solvers need a tall A"));
    }
    SolveOptions opt;
    switch (h.solver()) {
      case v1::SOLVER_UNSPECIFIED:
      case v1::SOLVER_LSQR: opt.solver = sketchd::Solver::kLsqr; break;
      case v1::SOLVER_SKETCH_AND_SOLVE: opt.solver = sketchd::Solver::kSketchAndSolve; break;
      case v1::SOLVER_IHS: opt.solver = sketchd::Solver::kIhs; break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("Solve header: unknown solver ", h.solver()));
    }
    if (h.has_lasso_lambda()) {
      if (opt.solver != sketchd::Solver::kIhs) {
        return absl::InvalidArgumentError("Solve header: lasso_lambda needs solver SOLVER_IHS");
      }
      if (!(h.lasso_lambda() > 0)) {
        return absl::InvalidArgumentError("Solve header: lasso_lambda must be > 0");
      }
      opt.lasso_lambda = h.lasso_lambda();
    }
    if (h.tolerance() < 0 || h.max_iterations() < 0) {
      return absl::InvalidArgumentError("Solve header: tolerance and max_iterations must be ≥ 0");
    }
    if (h.tolerance() > 0) opt.tolerance = h.tolerance();
    opt.max_iterations = h.max_iterations();
    opt.record_objective = h.record_objective();
    ResolvedSketch sketch;
    if (h.sketch().selector_case() == v1::SketchSelector::kRandom) {
      const int64_t m = h.sketch().random().m();
      SKETCHD_RETURN_IF_ERROR(CheckRandomSketchRows(m, h.n()));
      opt.sketch_rows = m;
      opt.seed = h.sketch().random().seed();
    } else {
      SKETCHD_ASSIGN_OR_RETURN(sketch, ResolveSketch(ds.name, h.sketch(), SketchTask::kRegression, h.n()));
      if (sketch.trained->is_dense()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sketch ", sketch.version, " is a dense low-rank sketch (subspace); Solve needs a "
            "CountSketch: pick a regression sketch or sketch.random"));
      }
      opt.trained_sketch = sketch.trained.get();
    }

    SKETCHD_ASSIGN_OR_RETURN(
        MemoryBudget::Reservation memory,
        ReserveRequest("Solve", EstimateSolveBytes(opt, h.n(), h.d())));
    PooledBuffer ab_buffer =
        buffers_.Acquire(static_cast<size_t>(h.n() * (h.d() + 1)) * sizeof(double));
    Eigen::Map<RowMatrixXd> ab(ab_buffer.doubles(), h.n(), h.d() + 1);
    absl::Status received =
        in.ReadRowsInto("Solve", dtype, &ab, [](int64_t, int64_t) { return absl::OkStatus(); });
    if (!received.ok()) return received;  // client gone: CANCELLED / DEADLINE_EXCEEDED
    const double receive_seconds = Since(start);

    const auto solve_start = Clock::now();
    ConstRowMajorRef a(ab.leftCols(h.d()));
    VectorXd b = ab.col(h.d());
    SKETCHD_ASSIGN_OR_RETURN(SolveResult r, sketchd::Solve(a, b, opt));
    if (ctx->IsCancelled()) return StreamClientGone(ctx);
    resp->mutable_x()->Add(r.x.data(), r.x.data() + r.x.size());
    resp->set_residual_norm(r.residual_norm);
    resp->set_iterations(r.iterations);
    resp->set_converged(IsConverged(r.convergence));
    resp->set_stop_reason(r.stop_reason);
    resp->mutable_objective_history()->Add(r.objective.begin(), r.objective.end());
    resp->set_sketch_version(sketch.version);
    resp->set_sketch_m(sketch.trained ? sketch.trained->sketch.rows() : opt.sketch_rows);
    resp->set_solver(std::string(SolverName(opt.solver)));
    v1::SolveTimings* t = resp->mutable_timings();
    t->set_receive_seconds(receive_seconds);
    t->set_solve_seconds(Since(solve_start));
    t->set_total_seconds(Since(start));
    return absl::OkStatus();
  });
}

}  // namespace sketchd
