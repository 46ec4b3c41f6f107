#include "core/regression/lsqr.h"

#include <cmath>
#include <limits>

#include "core/parallel/parallel_for.h"
#include "core/regression/dense_row_pass.h"

namespace sketchd {
namespace {

// Stable Givens rotation: (c, s, r) with [c s; -s c]·[a; b] = [r; 0].
void SymOrtho(double a, double b, double* c, double* s, double* r) {
  if (b == 0) {
    *c = a == 0 ? 1.0 : std::copysign(1.0, a);
    *s = 0;
    *r = std::abs(a);
  } else if (a == 0) {
    *c = 0;
    *s = std::copysign(1.0, b);
    *r = std::abs(b);
  } else if (std::abs(b) > std::abs(a)) {
    const double tau = a / b;
    *s = std::copysign(1.0, b) / std::sqrt(1 + tau * tau);
    *c = *s * tau;
    *r = b / *s;
  } else {
    const double tau = b / a;
    *c = std::copysign(1.0, a) / std::sqrt(1 + tau * tau);
    *s = *c * tau;
    *r = a / *c;
  }
}

const char* StopReason(int istop) {
  switch (istop) {
    case 0: return "b = 0: x = 0 is exact";
    case 1: return "Ax = b solved to btol/atol";
    case 2: return "least-squares solution found to atol";
    case 3: return "condition estimate exceeded conlim";
    case 4: return "Ax = b solved to machine precision";
    case 5: return "least-squares solution found to machine precision";
    case 6: return "condition estimate too large for machine precision";
    case 8: return "cancelled";
    default: return "iteration limit reached";
  }
}

// A matrix in this process: the passes of DataMatrix, ‖b‖ of the vector.
// Dense A goes through the row-by-row kernel (dense_row_pass.h), which runs
// at memory speed where DataMatrix's block GEMVs did not on narrow A.
class InProcessOperator final : public LsqrOperator {
 public:
  InProcessOperator(const DataMatrix& a, int threads) : a_(a), threads_(ResolveThreads(threads)) {}
  int64_t cols() const override { return a_.cols(); }
  double MultiplyThenAdjoint(const VectorXd& v, double alpha, VectorXd* u,
                             VectorXd* w) const override {
    if (!a_.sparse()) return FusedMultiplyAdjoint(a_.dense(), a_.scale(), v, alpha, u, w, threads_);
    return a_.MultiplyThenAdjoint(v, alpha, u, w);
  }
  // stableNorm: ‖b‖ without under/overflow of the squares whatever b's units.
  double Norm(const Eigen::Ref<const VectorXd>& b) const override { return b.stableNorm(); }

 private:
  const DataMatrix& a_;
  int threads_;
};

}  // namespace

SolveConvergence LsqrConvergence(int istop) {
  switch (istop) {
    case 3:
    case 6: return SolveConvergence::kIllConditioned;
    case 7: return SolveConvergence::kIterationLimit;
    default: return SolveConvergence::kConverged;
  }
}

LsqrResult Lsqr(const DataMatrix& a, const Eigen::Ref<const VectorXd>& b, const MatrixXd* r,
                const LsqrOptions& options) {
  return Lsqr(InProcessOperator(a, options.threads), b, r, options);
}

LsqrResult Lsqr(const LsqrOperator& a, const Eigen::Ref<const VectorXd>& b, const MatrixXd* r,
                const LsqrOptions& options) {
  const int64_t d = a.cols();
  const int max_iter = options.max_iterations > 0 ? options.max_iterations
                                                  : static_cast<int>(2 * d + 1000);
  const double ctol = options.conlim > 0 ? 1.0 / options.conlim : 0.0;
  // Preconditioner applications: v ↦ R⁻¹v and w ↦ R⁻ᵀw.
  auto solve_r = [&](VectorXd* v) {
    if (r != nullptr) r->triangularView<Eigen::Upper>().solveInPlace(*v);
  };
  auto solve_rt = [&](VectorXd* w) {
    if (r != nullptr) r->transpose().triangularView<Eigen::Lower>().solveInPlace(*w);
  };

  LsqrResult out;
  VectorXd y = VectorXd::Zero(d);
  VectorXd u = b;
  VectorXd v, w, tmp;
  const double bnorm = a.Norm(b);
  double beta = bnorm;
  double alpha = 0;
  // α v = Mᵀ u: the fused pass with v = 0 and alpha = −1 leaves u unchanged.
  if (beta > 0) {
    u /= beta;
    a.MultiplyThenAdjoint(VectorXd::Zero(d), -1.0, &u, &v);
    solve_rt(&v);
    alpha = v.norm();
  } else {
    v = VectorXd::Zero(d);
  }
  if (alpha > 0) v /= alpha;
  w = v;
  double arnorm = alpha * beta;
  if (arnorm == 0) {
    out.x = VectorXd::Zero(d);
    out.istop = 0;
    out.stop_reason = StopReason(0);
    out.residual_norm_estimate = bnorm;
    return out;
  }

  double rhobar = alpha, phibar = beta;
  double anorm = 0, acond = 0, ddnorm = 0, xxnorm = 0, z = 0, cs2 = -1, sn2 = 0;
  double rnorm = beta, xnorm = 0;
  int istop = 0, itn = 0;
  while (itn < max_iter) {
    if (options.cancel != nullptr && options.cancel->cancelled()) {
      istop = 8;
      break;
    }
    ++itn;
    // Bidiagonalisation step: β u = M v − α u, α v = Mᵀ u − β v, with one pass.
    tmp = v;
    solve_r(&tmp);
    VectorXd atu;
    const double beta_sq = a.MultiplyThenAdjoint(tmp, alpha, &u, &atu);
    beta = std::sqrt(beta_sq);
    if (beta > 0) {
      u /= beta;
      anorm = std::hypot(anorm, alpha, beta);
      solve_rt(&atu);
      v = atu / beta - beta * v;
      alpha = v.norm();
      if (alpha > 0) v /= alpha;
    }
    // Plane rotation eliminating the subdiagonal β.
    double cs, sn, rho;
    SymOrtho(rhobar, beta, &cs, &sn, &rho);
    const double theta = sn * alpha;
    rhobar = -cs * alpha;
    const double phi = cs * phibar;
    phibar = sn * phibar;
    const double tau = sn * phi;
    // Update y and the search direction w.
    ddnorm += (w / rho).squaredNorm();
    y += (phi / rho) * w;
    w = v - (theta / rho) * w;
    // Estimate ‖y‖ (Paige–Saunders' xnorm recurrence).
    const double delta = sn2 * rho;
    const double gambar = -cs2 * rho;
    const double rhs = phi - delta * z;
    const double zbar = rhs / gambar;
    xnorm = std::sqrt(xxnorm + zbar * zbar);
    const double gamma = std::hypot(gambar, theta);
    cs2 = gambar / gamma;
    sn2 = theta / gamma;
    z = rhs / gamma;
    xxnorm += z * z;
    // Stopping tests.
    acond = anorm * std::sqrt(ddnorm);
    rnorm = std::abs(phibar);
    arnorm = alpha * std::abs(tau);
    if (options.record_residuals) out.residual_history.push_back(rnorm);
    const double test1 = rnorm / bnorm;
    // Relative tests only (no absolute eps): their meaning must not change
    // with the units of A and b. rnorm = 0 means an exact fit (test1 = 0).
    const double test2 = anorm * rnorm > 0 ? arnorm / (anorm * rnorm) : 0.0;
    const double test3 = acond > 0 ? 1.0 / acond : 1.0;
    const double t1 = test1 / (1 + anorm * xnorm / bnorm);
    const double rtol = options.btol + options.atol * anorm * xnorm / bnorm;
    if (itn >= max_iter) istop = 7;
    if (1 + test3 <= 1) istop = 6;
    if (1 + test2 <= 1) istop = 5;
    if (1 + t1 <= 1) istop = 4;
    if (test3 <= ctol) istop = 3;
    if (test2 <= options.atol) istop = 2;
    if (test1 <= rtol) istop = 1;
    if (istop != 0) break;
  }
  solve_r(&y);
  out.x = std::move(y);
  out.iterations = itn;
  out.istop = istop;
  out.stop_reason = StopReason(istop);
  out.residual_norm_estimate = rnorm;
  out.normal_residual_estimate = arnorm;
  out.anorm = anorm;
  out.acond = acond;
  return out;
}

}  // namespace sketchd
