#include "core/regression/embedding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/sketch/philox.h"

namespace sketchd {
namespace {

// Key offset so a sparse sign embedding and a CountSketch drawn from the
// same user seed do not share Philox counters.
constexpr uint64_t kSparseSignKey = 0x5e5a2c3b9d17f00dULL;

}  // namespace

absl::string_view SketchKindName(SketchKind kind) {
  switch (kind) {
    case SketchKind::kCountSketch: return "countsketch";
    case SketchKind::kSparseSign: return "sparse_sign";
    case SketchKind::kGaussian: return "gaussian";
  }
  return "unknown";
}

absl::StatusOr<SketchKind> ParseSketchKind(absl::string_view name) {
  for (SketchKind k : {SketchKind::kCountSketch, SketchKind::kSparseSign, SketchKind::kGaussian}) {
    if (name == SketchKindName(k)) return k;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown sketch kind \"", name, "\"; expected countsketch, sparse_sign or gaussian"));
}

absl::StatusOr<CountSketch> SparseSignSketch(int64_t m, int64_t n, int s, uint64_t seed) {
  if (m < 1 || n < 1) {
    return absl::InvalidArgumentError(absl::StrCat("sparse sign sketch needs m, n >= 1, got m=", m, ", n=", n));
  }
  s = static_cast<int>(std::clamp<int64_t>(s, 1, m));
  std::vector<int32_t> block_rows(s);
  for (int b = 0; b < s; ++b) block_rows[b] = static_cast<int32_t>(m / s + (b < m % s ? 1 : 0));
  std::vector<int32_t> positions(static_cast<size_t>(s) * n);
  std::vector<double> values(positions.size());
  const double scale = 1.0 / std::sqrt(static_cast<double>(s));
  int64_t offset = 0;
  for (int b = 0; b < s; ++b) {
    for (int64_t j = 0; j < n; ++j) {
      const size_t idx = static_cast<size_t>(b) * n + j;
      const auto w = PhiloxWords(seed ^ kSparseSignKey, kCountSketchStream, idx);
      positions[idx] = static_cast<int32_t>(offset + WordToIndex(w[0], block_rows[b]));
      values[idx] = (w[1] & 1u) ? scale : -scale;
    }
    offset += block_rows[b];
  }
  return CountSketch::FromBlocks(std::move(block_rows), n, std::move(positions), std::move(values));
}

absl::StatusOr<Embedding> Embedding::Create(const SketchSpec& spec, int64_t n) {
  Embedding e;
  switch (spec.kind) {
    case SketchKind::kCountSketch: {
      auto s = CountSketch::Random(spec.m, n, spec.seed);
      if (!s.ok()) return s.status();
      e.count_ = std::move(*s);
      break;
    }
    case SketchKind::kSparseSign: {
      auto s = SparseSignSketch(spec.m, n, spec.nnz_per_column, spec.seed);
      if (!s.ok()) return s.status();
      e.count_ = std::move(*s);
      break;
    }
    case SketchKind::kGaussian: {
      auto g = GaussianSketch::Create(spec.m, n, spec.seed);
      if (!g.ok()) return g.status();
      e.gaussian_ = std::move(*g);
      break;
    }
  }
  return e;
}

Embedding Embedding::FromCountSketch(CountSketch sketch) {
  Embedding e;
  e.count_ = std::move(sketch);
  return e;
}

int64_t Embedding::rows() const { return count_ ? count_->rows() : gaussian_->rows(); }
int64_t Embedding::cols() const { return count_ ? count_->cols() : gaussian_->cols(); }

absl::Status Embedding::CheckRows(int64_t rows, absl::string_view what) const {
  if (rows == cols()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("the sketch was made for n=", cols(), " rows but ", what,
                                                 " has ", rows, "; sketch and data must have the same n"));
}

absl::StatusOr<MatrixXd> Embedding::Apply(const DataMatrix& a) const {
  if (absl::Status s = CheckRows(a.rows(), "A"); !s.ok()) return s;
  if (count_) return a.Sketch(*count_);
  if (!a.sparse()) {
    MatrixXd out = gaussian_->Apply(a.dense());
    if (a.scale() != 1) out *= a.scale();
    return out;
  }
  // Gaussian × CSR, in column panels of G.
  MatrixXd out = MatrixXd::Zero(gaussian_->rows(), a.cols());
  constexpr int64_t kPanel = 4096;
  for (int64_t c0 = 0; c0 < a.rows(); c0 += kPanel) {
    const int64_t count = std::min<int64_t>(kPanel, a.rows() - c0);
    const MatrixXd g = gaussian_->Columns(c0, count);
    const CsrMatrix& csr = a.csr();
    for (int64_t i = 0; i < count; ++i) {
      for (CsrMatrix::InnerIterator it(csr, c0 + i); it; ++it) out.col(it.col()) += it.value() * g.col(i);
    }
  }
  if (a.scale() != 1) out *= a.scale();
  return out;
}

absl::StatusOr<VectorXd> Embedding::Apply(const Eigen::Ref<const VectorXd>& b) const {
  if (absl::Status s = CheckRows(b.size(), "b"); !s.ok()) return s;
  if (count_) {
    VectorXd out = VectorXd::Zero(count_->rows());
    const int64_t n = count_->cols();
    for (int blk = 0; blk < count_->num_blocks(); ++blk) {
      const int32_t* p = count_->positions().data() + blk * n;
      const double* v = count_->values().data() + blk * n;
      for (int64_t i = 0; i < n; ++i) out[p[i]] += v[i] * b[i];
    }
    return out;
  }
  return VectorXd(gaussian_->Apply(b));
}

}  // namespace sketchd
