#include "core/sketch/row_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/core/test_matrices.h"

namespace sketchd {
namespace {

using testing::GaussianMatrix;

// Lengths around the 4- and 16-entry steps and a long row.
TEST(RowKernelsTest, AxpyAndSquaredNormMatchTheirDefinitionAtEveryLength) {
  for (Index d : {0, 1, 3, 4, 5, 15, 16, 17, 33, 1083}) {
    const VectorXd a = d > 0 ? VectorXd(GaussianMatrix(d, 1, 1 + d)) : VectorXd();
    const VectorXd base = d > 0 ? VectorXd(GaussianMatrix(d, 1, 2 + d)) : VectorXd();
    VectorXd out = base;
    AddScaledRow(-0.75, a.data(), d, out.data());
    const VectorXd expected = base - 0.75 * a;
    EXPECT_LE((out - expected).norm(), 1e-15 * (expected.norm() + 1)) << "d=" << d;
    const double norm = RowSquaredNorm(a.data(), d);
    EXPECT_NEAR(norm, a.squaredNorm(), 1e-14 * (a.squaredNorm() + 1)) << "d=" << d;

    // The fused kernel: the very same bits as the two calls.
    VectorXd fused_out = base;
    const double fused_norm = AddScaledRowAndSquaredNorm(-0.75, a.data(), d, fused_out.data());
    EXPECT_EQ(fused_norm, norm) << "d=" << d;
    EXPECT_TRUE((fused_out.array() == out.array()).all()) << "d=" << d;
  }
}

// Each output entry is one rounding of v·a + out (a fused multiply-add, or
// a product and a sum without AVX2/FMA): within 1 ulp-ish of the exact value.
TEST(RowKernelsTest, AxpyIsElementwise) {
  const Index d = 37;
  VectorXd a(d), out(d);
  for (Index j = 0; j < d; ++j) {
    a(j) = 1.0 + std::ldexp(1.0, -30) * static_cast<double>(j);
    out(j) = -1.0;
  }
  VectorXd copy = out;
  AddScaledRow(1.0 + std::ldexp(1.0, -30), a.data(), d, copy.data());
  for (Index j = 0; j < d; ++j) {
    const long double exact = (1.0L + std::ldexp(1.0L, -30)) * a(j) - 1.0L;
    EXPECT_NEAR(static_cast<double>(copy(j)), static_cast<double>(exact),
                4 * std::numeric_limits<double>::epsilon() * std::abs(static_cast<double>(exact)) +
                    4 * std::numeric_limits<double>::epsilon())
        << j;
  }
}

}  // namespace
}  // namespace sketchd
