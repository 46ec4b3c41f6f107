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
  EXPECT_EQ(EncodeLittleEndian(a, PackedDtype::kFloat64),
            testing_io::LittleEndianBytes(std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(EncodeLittleEndian(a, PackedDtype::kFloat32),
            testing_io::LittleEndianBytes(std::vector<float>{1, 2, 3, 4}));
}

TEST(PackedRows, DecodeInvertsEncode) {
  const RowMatrixXd a = Sample(17, 5);
  auto f64 = DecodeLittleEndianRows(EncodeLittleEndian(a, PackedDtype::kFloat64),
                                    PackedDtype::kFloat64, 17, 5);
  ASSERT_TRUE(f64.ok()) << f64.status();
  EXPECT_EQ(*f64, a);
  auto f32 = DecodeLittleEndianRows(EncodeLittleEndian(a, PackedDtype::kFloat32),
                                    PackedDtype::kFloat32, 17, 5);
  ASSERT_TRUE(f32.ok()) << f32.status();
  EXPECT_EQ(*f32, a.cast<float>().cast<double>());
  // float32 is the nearest float: error at most half an ulp, relative 2^-24.
  EXPECT_LE(((*f32 - a).array().abs() / a.array().abs()).maxCoeff(), std::ldexp(1.0, -24));
}

TEST(PackedRows, EncodingASubBlockMatchesEncodingItsCopy) {
  const RowMatrixXd a = Sample(10, 6);
  const RowMatrixXd block = a.block(2, 1, 4, 3);
  EXPECT_EQ(EncodeLittleEndian(a.block(2, 1, 4, 3), PackedDtype::kFloat64),
            EncodeLittleEndian(block, PackedDtype::kFloat64));
}

TEST(PackedRows, ChunkedDecodeIntoAssemblesTheWhole) {
  const RowMatrixXd a = Sample(23, 4);
  RowMatrixXd received(23, 4);
  for (int first = 0; first < 23; first += 5) {
    const int n = std::min(5, 23 - first);
    const std::string chunk = EncodeLittleEndian(a.middleRows(first, n), PackedDtype::kFloat64);
    ASSERT_TRUE(DecodeLittleEndianRowsInto(chunk, PackedDtype::kFloat64, first,
                                           received.middleRows(first, n))
                    .ok());
  }
  EXPECT_EQ(received, a);
}

TEST(PackedRows, SizeMismatchesAreRejected) {
  const std::string bytes = EncodeLittleEndian(Sample(3, 2), PackedDtype::kFloat64);
  auto short_by_one = DecodeLittleEndianRows(bytes.substr(1), PackedDtype::kFloat64, 3, 2);
  EXPECT_EQ(short_by_one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_by_one.status().message(), HasSubstr("47 bytes"));
  EXPECT_FALSE(DecodeLittleEndianRows(bytes + "x", PackedDtype::kFloat64, 3, 2).ok());
  EXPECT_FALSE(DecodeLittleEndianRows(bytes, PackedDtype::kFloat32, 3, 2).ok());
  EXPECT_TRUE(DecodeLittleEndianRows(bytes, PackedDtype::kFloat32, 3, 4).ok());
  EXPECT_FALSE(DecodeLittleEndianRows(bytes, PackedDtype::kFloat64, -3, -2).ok());
  // rows·cols·8 overflows int64: must not wrap around to a "matching" size.
  EXPECT_FALSE(DecodeLittleEndianRows("", PackedDtype::kFloat64, int64_t{1} << 40,
                                      int64_t{1} << 40)
                   .ok());
  RowMatrixXd out(2, 2);
  EXPECT_THAT(DecodeLittleEndianRowsInto(bytes, PackedDtype::kFloat64, 0, out).message(),
              HasSubstr("need 32 bytes, got 48"));
  auto empty = DecodeLittleEndianRows("", PackedDtype::kFloat32, 0, 7);
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
    auto m = DecodeLittleEndianRows("", PackedDtype::kFloat64, int64_t{1} << 56, 0);
    if (!m.ok() || m->rows() != (int64_t{1} << 56) || m->cols() != 0) return 1;
    return EncodeLittleEndian(*m, PackedDtype::kFloat32).empty() ? 0 : 2;
  });
  EXPECT_TRUE(outcome.succeeded()) << outcome;
}

TEST(PackedRows, NonFiniteValuesNameTheirGlobalRowAndColumn) {
  RowMatrixXd a = Sample(4, 3);
  a(2, 1) = std::numeric_limits<double>::quiet_NaN();
  auto decoded = DecodeLittleEndianRows(EncodeLittleEndian(a, PackedDtype::kFloat64),
                                        PackedDtype::kFloat64, 4, 3);
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("row 2, column 1"));

  // A chunk that starts at global row 1000.
  RowMatrixXd out(4, 3);
  a(2, 1) = 0;
  a(3, 0) = -std::numeric_limits<double>::infinity();
  absl::Status s = DecodeLittleEndianRowsInto(EncodeLittleEndian(a, PackedDtype::kFloat32),
                                              PackedDtype::kFloat32, 1000, out);
  EXPECT_THAT(s.message(), HasSubstr("row 1003, column 0"));

  // float32 overflow on encode becomes inf, which decode then refuses.
  RowMatrixXd big(1, 1);
  big << 1e300;
  EXPECT_FALSE(DecodeLittleEndianRows(EncodeLittleEndian(big, PackedDtype::kFloat32),
                                      PackedDtype::kFloat32, 1, 1)
                   .ok());
}

}  // namespace
}  // namespace sketchd
