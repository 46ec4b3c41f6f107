#include "core/regression/subspace_embedding_loss.h"

#include "absl/strings/str_cat.h"

namespace sketchd {

std::vector<SubspaceLossProblem> PrepareSubspaceLoss(const std::vector<RegressionProblem>& problems) {
  std::vector<SubspaceLossProblem> out;
  out.reserve(problems.size());
  for (const RegressionProblem& p : problems) {
    SubspaceLossProblem s;
    s.a = &p.a;
    const MatrixXd col = p.a;
    Eigen::HouseholderQR<MatrixXd> qr(col);
    s.r_a = qr.matrixQR().topRows(p.a.cols()).triangularView<Eigen::Upper>();
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<double> SubspaceEmbeddingLoss(const CountSketch& sketch,
                                             const std::vector<SubspaceLossProblem>& problems,
                                             std::vector<double>* grad) {
  const int64_t n = sketch.cols();
  if (grad != nullptr) grad->assign(sketch.values().size(), 0.0);
  double total = 0;
  for (size_t i = 0; i < problems.size(); ++i) {
    const RowMatrixXd& a = *problems[i].a;
    const MatrixXd& r_a = problems[i].r_a;
    const Index d = a.cols();
    const MatrixXd x = sketch.Apply(a);  // m×d
    Eigen::HouseholderQR<MatrixXd> qr(x);
    const MatrixXd r = qr.matrixQR().topRows(d).triangularView<Eigen::Upper>();
    const double rmax = r.diagonal().cwiseAbs().maxCoeff();
    if (!(r.diagonal().cwiseAbs().minCoeff() > 1e-13 * rmax)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "sketched training matrix ", i, " is rank-deficient; use a larger m"));
    }
    // T = R_A R⁻¹ (solve from the right: Tᵀ = R⁻ᵀ R_Aᵀ).
    MatrixXd tt = r_a.transpose();
    r.transpose().triangularView<Eigen::Lower>().solveInPlace(tt);
    const MatrixXd t = tt.transpose();
    const MatrixXd e = t * t.transpose() - MatrixXd::Identity(d, d);  // P − I
    const double li = e.norm();
    total += li;
    if (grad == nullptr || li == 0) continue;
    // K = R⁻¹ Tᵀ E T R⁻ᵀ / L.
    MatrixXd k = t.transpose() * e * t;           // Tᵀ E T
    r.triangularView<Eigen::Upper>().solveInPlace(k);                  // R⁻¹ ·
    MatrixXd kt = k.transpose();
    r.triangularView<Eigen::Upper>().solveInPlace(kt);                 // (· R⁻ᵀ)ᵀ
    k = kt.transpose() / li;
    const RowMatrixXd dx = -2.0 * x * k;  // ∂L/∂X, m×d
    for (int b = 0; b < sketch.num_blocks(); ++b) {
      for (int64_t j = 0; j < n; ++j) {
        const size_t idx = static_cast<size_t>(b) * n + j;
        (*grad)[idx] += dx.row(sketch.positions()[idx]).dot(a.row(j));
      }
    }
  }
  return total;
}

}  // namespace sketchd
