// MatrixMarket: every supported header combination against hand-computed
// matrices, exact round trips, and one test per kind of defect.
#include "core/io/matrix_market.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using testing_io::TempPath;
using testing_io::WriteBytes;
using ::testing::HasSubstr;

std::string WriteMtx(const std::string& name, const std::string& text) {
  const std::string path = TempPath(name + ".mtx");
  WriteBytes(path, text);
  return path;
}

RowMatrixXd Dense(const std::string& text, const std::string& name = "m") {
  auto m = ReadMatrixMarketDense(WriteMtx(name, text));
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : RowMatrixXd();
}

TEST(MatrixMarketRead, ArrayGeneralIsColumnMajor) {
  RowMatrixXd want(2, 3);
  want << 1, 2, 3, 4, 5.5, -6e-3;
  EXPECT_EQ(Dense("%%MatrixMarket matrix array real general\n"
                  "% a comment\n"
                  "%\n"
                  "\n"
                  "2 3\n1\n4\n2\n5.5\n3\n-6e-3\n"),
            want);
}

TEST(MatrixMarketRead, ArraySymmetricAndSkewStoreTheLowerTriangle) {
  RowMatrixXd sym(3, 3);
  sym << 1, 2, 3,  //
      2, 4, 5,     //
      3, 5, 6;
  EXPECT_EQ(Dense("%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n"), sym);
  RowMatrixXd skew(3, 3);
  skew << 0, -1, -2,  //
      1, 0, -3,       //
      2, 3, 0;
  EXPECT_EQ(Dense("%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n"), skew);
  EXPECT_EQ(skew.transpose(), -skew);
}

TEST(MatrixMarketRead, CoordinateGeneralSumsDuplicatesAndLeavesZeros) {
  RowMatrixXd want = RowMatrixXd::Zero(3, 4);
  want(0, 0) = 1.5;
  want(2, 3) = -2 + 0.25;
  want(1, 2) = 7;
  const std::string text =
      "%%MatrixMarket matrix coordinate real general\n"
      "3 4 4\n"
      "1 1 1.5\n"
      "3 4 -2\n"
      "2 3 7\n"
      "3 4 0.25\n";
  EXPECT_EQ(Dense(text), want);
  auto sparse = ReadMatrixMarketSparse(WriteMtx("s", text));
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  EXPECT_EQ(sparse->nonZeros(), 3);
  EXPECT_TRUE(sparse->isCompressed());
  EXPECT_EQ(RowMatrixXd(*sparse), want);
}

TEST(MatrixMarketRead, CoordinateSymmetricPatternAndIntegerFields) {
  // Symmetric: the off-diagonal entry appears on both sides, the diagonal once.
  RowMatrixXd sym = RowMatrixXd::Zero(3, 3);
  sym(0, 0) = 2;
  sym(2, 0) = sym(0, 2) = -4;
  EXPECT_EQ(Dense("%%MatrixMarket matrix coordinate integer symmetric\n3 3 2\n1 1 2\n3 1 -4\n"),
            sym);
  // Skew-symmetric mirrors with a sign flip.
  RowMatrixXd skew = RowMatrixXd::Zero(2, 2);
  skew(1, 0) = 3;
  skew(0, 1) = -3;
  EXPECT_EQ(Dense("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3\n"), skew);
  // Pattern: ones where listed.
  RowMatrixXd pattern = RowMatrixXd::Zero(2, 3);
  pattern(0, 2) = pattern(1, 0) = 1;
  EXPECT_EQ(Dense("%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n"),
            pattern);
}

TEST(MatrixMarketRead, BannerIsCaseInsensitiveAndWhitespaceTolerant) {
  RowMatrixXd want(1, 2);
  want << 3, 4;
  EXPECT_EQ(Dense("%%MatrixMarket MATRIX Array Double General\r\n  1\t2 \r\n 3\r\n+4\r\n"), want);
}

TEST(MatrixMarketRead, EmptyMatrices) {
  EXPECT_EQ(Dense("%%MatrixMarket matrix coordinate real general\n0 0 0\n").size(), 0);
  EXPECT_EQ(Dense("%%MatrixMarket matrix array real general\n4 0\n").rows(), 4);
}

TEST(MatrixMarketRead, ArrayFileAsSparseKeepsOnlyNonzeros) {
  auto sparse = ReadMatrixMarketSparse(
      WriteMtx("a", "%%MatrixMarket matrix array real general\n2 2\n0\n5\n0\n0\n"));
  ASSERT_TRUE(sparse.ok()) << sparse.status();
  EXPECT_EQ(sparse->nonZeros(), 1);
  EXPECT_EQ(sparse->coeff(1, 0), 5);
}

RowMatrixXd Awkward(int rows, int cols) {
  RowMatrixXd a(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) a(r, c) = std::exp(0.7 * r) * std::sin(3.1 * c + r) / 3.0;
  a(0, 0) = 1e-310;  // subnormal
  a(rows - 1, cols - 1) = -1.7976931348623157e308;
  return a;
}

TEST(MatrixMarketWrite, DenseRoundTripIsBitExact) {
  const RowMatrixXd a = Awkward(7, 5);
  const std::string path = TempPath("dense.mtx");
  ASSERT_TRUE(WriteMatrixMarketDense(path, a).ok());
  auto back = ReadMatrixMarketDense(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, a);
}

TEST(MatrixMarketWrite, SparseRoundTripIsBitExactAndKeepsStructure) {
  RowMatrixXd dense = Awkward(9, 6);
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 6; ++c)
      if ((r * 7 + c) % 3 != 0) dense(r, c) = 0;
  CsrMatrix a = dense.sparseView();
  a.makeCompressed();
  const std::string path = TempPath("sparse.mtx");
  ASSERT_TRUE(WriteMatrixMarketSparse(path, a).ok());
  auto back = ReadMatrixMarketSparse(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->nonZeros(), a.nonZeros());
  EXPECT_EQ(RowMatrixXd(*back), dense);
  auto as_dense = ReadMatrixMarketDense(path);
  ASSERT_TRUE(as_dense.ok());
  EXPECT_EQ(*as_dense, dense);
}

TEST(MatrixMarketWrite, RefusesNonFinite) {
  RowMatrixXd a = RowMatrixXd::Ones(2, 2);
  a(1, 0) = INFINITY;
  EXPECT_THAT(WriteMatrixMarketDense(TempPath("x.mtx"), a).message(), HasSubstr("row 1, column 0"));
  CsrMatrix s = a.sparseView();
  EXPECT_THAT(WriteMatrixMarketSparse(TempPath("y.mtx"), s).message(), HasSubstr("non-finite"));
}

struct Defect {
  std::string name;
  std::string text;
  std::string message;
};

class MatrixMarketMalformed : public ::testing::TestWithParam<Defect> {};

TEST_P(MatrixMarketMalformed, IsRejectedWithFileAndReason) {
  const Defect& d = GetParam();
  const std::string path = WriteMtx(d.name, d.text);
  for (bool sparse : {false, true}) {
    absl::Status s = sparse ? ReadMatrixMarketSparse(path).status()
                            : ReadMatrixMarketDense(path).status();
    ASSERT_FALSE(s.ok()) << d.name;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(s.message(), HasSubstr(path));
    EXPECT_THAT(s.message(), HasSubstr(d.message));
  }
}

const char kCoord[] = "%%MatrixMarket matrix coordinate real general\n";
const char kArray[] = "%%MatrixMarket matrix array real general\n";

INSTANTIATE_TEST_SUITE_P(
    AllDefects, MatrixMarketMalformed,
    ::testing::Values(
        Defect{"empty", "", "empty file"},
        Defect{"no_banner", "2 2\n1\n2\n3\n4\n", "%%MatrixMarket"},
        Defect{"short_banner", "%%MatrixMarket matrix array real\n1 1\n1\n", "bad banner"},
        Defect{"vector_object", "%%MatrixMarket vector array real general\n1\n1\n", "'vector'"},
        Defect{"unknown_format", "%%MatrixMarket matrix dense real general\n1 1\n1\n", "'dense'"},
        Defect{"complex_field", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
               "complex"},
        Defect{"unknown_field", "%%MatrixMarket matrix array quaternion general\n1 1\n1\n",
               "'quaternion'"},
        Defect{"hermitian", "%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n",
               "hermitian"},
        Defect{"array_pattern", "%%MatrixMarket matrix array pattern general\n1 1\n", "pattern"},
        Defect{"missing_size_line", std::string(kCoord) + "% only comments\n", "missing size line"},
        Defect{"size_line_short", std::string(kCoord) + "3 3\n1 1 1\n", "3 integers"},
        Defect{"size_negative", std::string(kArray) + "-2 2\n", "non-negative"},
        Defect{"size_not_integer", std::string(kArray) + "2 two\n", "'two'"},
        Defect{"size_too_large", std::string(kCoord) + "4294967296 1 0\n", "exceeds the limit"},
        Defect{"entries_beyond_file", std::string(kCoord) + "5 5 1000000\n1 1 1\n",
               "more than a file"},
        Defect{"symmetric_not_square", "%%MatrixMarket matrix array real symmetric\n2 3\n1\n",
               "must be square"},
        Defect{"row_index_zero", std::string(kCoord) + "2 2 1\n0 1 1\n", "row index 0"},
        Defect{"row_index_above", std::string(kCoord) + "2 2 1\n3 1 1\n", "row index 3"},
        Defect{"col_index_above", std::string(kCoord) + "2 2 1\n1 9 1\n", "column index 9"},
        Defect{"index_not_integer", std::string(kCoord) + "2 2 1\n1.5 1 1\n", "'1.5'"},
        Defect{"too_few_entries", std::string(kCoord) + "2 2 3\n1 1 1\n2 2 1\n", "2 of the 3"},
        Defect{"too_few_array", std::string(kArray) + "2 2\n1\n2\n3\n", "3 of the 4"},
        Defect{"too_many_entries", std::string(kCoord) + "2 2 1\n1 1 1\n2 2 1\n",
               "line 4: more entries than the 1"},
        Defect{"non_numeric_value", std::string(kCoord) + "2 2 1\n1 1 abc\n", "line 3: 'abc'"},
        Defect{"nan_value", std::string(kArray) + "1 1\nnan\n", "non-finite"},
        Defect{"overflowing_value", std::string(kArray) + "1 1\n1e999\n", "non-finite"},
        Defect{"integer_field_fraction",
               "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 2.5\n", "integer"},
        Defect{"missing_value", std::string(kCoord) + "2 2 1\n1 1\n", "expected 3 fields"},
        Defect{"two_values_per_array_line", std::string(kArray) + "1 2\n1 2\n", "expected 1 field"},
        Defect{"skew_diagonal",
               "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 5\n", "diagonal"}),
    [](const auto& info) { return info.param.name; });

TEST(MatrixMarketRead, MissingFileIsNotFound) {
  EXPECT_EQ(ReadMatrixMarketDense(TempPath("nope.mtx")).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sketchd
