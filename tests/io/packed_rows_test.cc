// The wire codec: exact inverse pairs, size validation, NaN/Inf localisation.
#include "core/io/packed_rows.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"
#include "tests/testing/child_process.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;

RowMatrixXd Sample(int rows, int cols) {
  RowMatrixXd a(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) a(r, c) = std::tan(0.1 + r * 0.77 + c * 0.31) * 1e3;
  return a;
}

TEST(PackedRows, LayoutIsRowMajorLittleEndian) {
  RowMatrixXd a(2, 2);
  a << 1, 2, 3, 4;
  EXPECT_EQ(EncodeLittleEndian(a, ElementType::kFloat64),
            testing_io::LittleEndianBytes(std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(EncodeLittleEndian(a, ElementType::kFloat32),
            testing_io::LittleEndianBytes(std::vector<float>{1, 2, 3, 4}));
}

TEST(PackedRows, DecodeInvertsEncode) {
  const RowMatrixXd a = Sample(17, 5);
  auto f64 = DecodeLittleEndianRows(EncodeLittleEndian(a, ElementType::kFloat64),
                                    ElementType::kFloat64, 17, 5);
  ASSERT_TRUE(f64.ok()) << f64.status();
  EXPECT_EQ(*f64, a);
  auto f32 = DecodeLittleEndianRows(EncodeLittleEndian(a, ElementType::kFloat32),
                                    ElementType::kFloat32, 17, 5);
  ASSERT_TRUE(f32.ok()) << f32.status();
  EXPECT_EQ(*f32, a.cast<float>().cast<double>());
  // float32 is the nearest float: error at most half an ulp, relative 2^-24.
  EXPECT_LE(((*f32 - a).array().abs() / a.array().abs()).maxCoeff(), std::ldexp(1.0, -24));
}

TEST(PackedRows, EncodingASubBlockMatchesEncodingItsCopy) {
  const RowMatrixXd a = Sample(10, 6);
  const RowMatrixXd block = a.block(2, 1, 4, 3);
  EXPECT_EQ(EncodeLittleEndian(a.block(2, 1, 4, 3), ElementType::kFloat64),
            EncodeLittleEndian(block, ElementType::kFloat64));
}

TEST(PackedRows, ChunkedDecodeIntoAssemblesTheWhole) {
  const RowMatrixXd a = Sample(23, 4);
  RowMatrixXd received(23, 4);
  for (int first = 0; first < 23; first += 5) {
    const int n = std::min(5, 23 - first);
    const std::string chunk = EncodeLittleEndian(a.middleRows(first, n), ElementType::kFloat64);
    ASSERT_TRUE(DecodeLittleEndianRowsInto(chunk, ElementType::kFloat64, first,
                                           received.middleRows(first, n))
                    .ok());
  }
  EXPECT_EQ(received, a);
}

TEST(PackedRows, SizeMismatchesAreRejected) {
  const std::string bytes = EncodeLittleEndian(Sample(3, 2), ElementType::kFloat64);
  auto short_by_one = DecodeLittleEndianRows(bytes.substr(1), ElementType::kFloat64, 3, 2);
  EXPECT_EQ(short_by_one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_by_one.status().message(), HasSubstr("47 bytes"));
  EXPECT_FALSE(DecodeLittleEndianRows(bytes + "x", ElementType::kFloat64, 3, 2).ok());
  EXPECT_FALSE(DecodeLittleEndianRows(bytes, ElementType::kFloat32, 3, 2).ok());
  EXPECT_TRUE(DecodeLittleEndianRows(bytes, ElementType::kFloat32, 3, 4).ok());
  EXPECT_FALSE(DecodeLittleEndianRows(bytes, ElementType::kFloat64, -3, -2).ok());
  // rows·cols·8 overflows int64: must not wrap around to a "matching" size.
  EXPECT_FALSE(DecodeLittleEndianRows("", ElementType::kFloat64, int64_t{1} << 40,
                                      int64_t{1} << 40)
                   .ok());
  RowMatrixXd out(2, 2);
  EXPECT_THAT(DecodeLittleEndianRowsInto(bytes, ElementType::kFloat64, 0, out).message(),
              HasSubstr("need 32 bytes, got 48"));
  auto empty = DecodeLittleEndianRows("", ElementType::kFloat32, 0, 7);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->cols(), 7);
}

TEST(PackedRows, ManyRowsOfNoColumnsDecodeAtOnce) {
  // Found by fuzz/packed_rows_fuzzer: a declared 2^56 × 0 block has no
  // bytes, matched the empty payload and then looped over 2^56 empty rows.
  // Encoding it did the same. In a child with a 10 s alarm, so the old
  // behaviour fails instead of hanging.
  const auto outcome = child_process::RunInChild([] {
    alarm(10);
    auto m = DecodeLittleEndianRows("", ElementType::kFloat64, int64_t{1} << 56, 0);
    if (!m.ok() || m->rows() != (int64_t{1} << 56) || m->cols() != 0) return 1;
    return EncodeLittleEndian(*m, ElementType::kFloat32).empty() ? 0 : 2;
  });
  EXPECT_TRUE(outcome.succeeded()) << outcome;
}

TEST(PackedRows, NonFiniteValuesNameTheirGlobalRowAndColumn) {
  RowMatrixXd a = Sample(4, 3);
  a(2, 1) = std::numeric_limits<double>::quiet_NaN();
  auto decoded = DecodeLittleEndianRows(EncodeLittleEndian(a, ElementType::kFloat64),
                                        ElementType::kFloat64, 4, 3);
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("row 2, column 1"));

  // A chunk that starts at global row 1000.
  RowMatrixXd out(4, 3);
  a(2, 1) = 0;
  a(3, 0) = -std::numeric_limits<double>::infinity();
  absl::Status s = DecodeLittleEndianRowsInto(EncodeLittleEndian(a, ElementType::kFloat32),
                                              ElementType::kFloat32, 1000, out);
  EXPECT_THAT(s.message(), HasSubstr("row 1003, column 0"));

  // float32 overflow on encode becomes inf, which decode then refuses.
  RowMatrixXd big(1, 1);
  big << 1e300;
  EXPECT_FALSE(DecodeLittleEndianRows(EncodeLittleEndian(big, ElementType::kFloat32),
                                      ElementType::kFloat32, 1, 1)
                   .ok());
}

TEST(PackedRows, TypeCodesAreTheWireAndStoreCodes) {
  for (ElementType type : {ElementType::kFloat32, ElementType::kFloat64}) {
    absl::StatusOr<ElementType> back = PackedTypeFromCode(PackedTypeCode(type), "header");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, type);
  }
  EXPECT_EQ(PackedTypeCode(ElementType::kFloat32), 1);  // sketchd.v1.DTYPE_FLOAT32
  EXPECT_EQ(PackedTypeCode(ElementType::kFloat64), 2);  // sketchd.v1.DTYPE_FLOAT64
  EXPECT_EQ(PackedTypeCode(ElementType::kInt32), -1);
  for (int bad : {0, 3, -1}) {
    EXPECT_THAT(PackedTypeFromCode(bad, "LowRank header").status().message(),
                HasSubstr("LowRank header: dtype"));
  }
}

TEST(PackedRows, SizesAreCheckedBeforeAnythingIsAllocated) {
  EXPECT_EQ(*PackedBytes(ElementType::kFloat32, 3, 5), 60);
  EXPECT_FALSE(PackedBytes(ElementType::kFloat64, int64_t{1} << 40, int64_t{1} << 30).ok());
  EXPECT_FALSE(PackedBytes(ElementType::kFloat64, -1, 2).ok());
  EXPECT_FALSE(PackedBytes(ElementType::kInt16, 1, 1).ok());
  // Only float32/float64 are packed: int16 bytes of the right length are refused.
  EXPECT_FALSE(DecodeLittleEndianRows(std::string(4, '\0'), ElementType::kInt16, 1, 2).ok());
  // A declared shape far beyond the payload fails without allocating it.
  EXPECT_FALSE(DecodeLittleEndianRows("abcd", ElementType::kFloat32, int64_t{1} << 31,
                                      int64_t{1} << 31)
                   .ok());
}

TEST(PackedRows, DecodesIntoStridedRowsAndEncodesBlocks) {
  const RowMatrixXd a = Sample(6, 4);
  for (ElementType type : {ElementType::kFloat32, ElementType::kFloat64}) {
    RowMatrixXd wide = RowMatrixXd::Zero(6, 7);  // rows with stride 7
    const std::string bytes = EncodeLittleEndian(a, type);
    ASSERT_TRUE(DecodePackedRows("A", bytes, type, 0, 6, 4, wide.data(), 7).ok());
    const double tol = type == ElementType::kFloat32 ? 1e-4 : 0;
    EXPECT_LE((wide.leftCols(4) - a).cwiseAbs().maxCoeff(), tol * a.cwiseAbs().maxCoeff());
    EXPECT_EQ(wide.rightCols(3).cwiseAbs().maxCoeff(), 0);  // nothing written past the row
    // A block of a larger matrix (outer stride ≠ cols) packs like a copy.
    EXPECT_EQ(EncodeLittleEndian(wide.block(1, 0, 3, 4), type),
              EncodeLittleEndian(RowMatrixXd(wide.block(1, 0, 3, 4)), type));
  }
}

TEST(PackedRows, FinitenessScanNamesRowAndColumnForBothTypes) {
  RowMatrixXd a = Sample(5, 3);
  for (ElementType type : {ElementType::kFloat32, ElementType::kFloat64}) {
    EXPECT_TRUE(CheckFinitePackedRows("matrix 1", EncodeLittleEndian(a, type), type, 0, 3).ok());
  }
  a(3, 2) = std::numeric_limits<double>::infinity();
  for (ElementType type : {ElementType::kFloat32, ElementType::kFloat64}) {
    absl::Status s = CheckFinitePackedRows("matrix 2", EncodeLittleEndian(a, type), type, 100, 3);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("matrix 2: row 103, column 2 is infinite"));
  }
  a(3, 2) = std::numeric_limits<double>::quiet_NaN();
  const std::string bytes = EncodeLittleEndian(a, ElementType::kFloat64);
  RowMatrixXd out(5, 3);
  EXPECT_THAT(DecodePackedRows("LowRank", bytes, ElementType::kFloat64, 7, 5, 3, out.data(), 3)
                  .message(),
              HasSubstr("LowRank: row 10, column 2 is NaN"));
}

}  // namespace
}  // namespace sketchd
