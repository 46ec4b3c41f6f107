// Reading every dtype NumPy can hand us, and exact round trips of what we write.
#include "core/io/npy.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/io/npy_header.h"
#include "core/io/npy_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using testing_io::LittleEndianBytes;
using testing_io::NpyFile;
using testing_io::ReadBytes;
using testing_io::TempPath;
using testing_io::WriteBytes;
using ::testing::HasSubstr;

// 2×3 values chosen to be exact in `T`, in C order.
template <typename T>
std::vector<T> Sample() {
  if constexpr (std::is_signed_v<T>) {
    return {T(0), T(1), T(-2), std::numeric_limits<T>::max(), std::numeric_limits<T>::lowest(),
            T(7)};
  } else {
    return {T(0), T(1), T(2), std::numeric_limits<T>::max(), T(5), T(7)};
  }
}

template <typename T>
RowMatrixXd Expected(const std::vector<T>& v) {
  RowMatrixXd m(2, 3);
  for (int i = 0; i < 6; ++i) m(i / 3, i % 3) = static_cast<double>(v[i]);
  return m;
}

template <typename T>
void ExpectReadsAs(const std::string& descr) {
  SCOPED_TRACE(descr);
  const std::vector<T> values = Sample<T>();
  const std::string path = TempPath(descr.substr(1));
  WriteBytes(path, NpyFile(descr, false, "(2, 3)", LittleEndianBytes(values)));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, Expected(values));
}

TEST(NpyRead, EveryIntegerAndFloatDtype) {
  ExpectReadsAs<int8_t>("|i1");
  ExpectReadsAs<uint8_t>("|u1");
  ExpectReadsAs<int16_t>("<i2");
  ExpectReadsAs<uint16_t>("<u2");
  ExpectReadsAs<int32_t>("<i4");
  ExpectReadsAs<uint32_t>("<u4");
  ExpectReadsAs<int64_t>("<i8");
  ExpectReadsAs<uint64_t>("<u8");
  ExpectReadsAs<float>("<f4");
  ExpectReadsAs<double>("<f8");
}

TEST(NpyRead, BoolAsZeroOne) {
  const std::string path = TempPath("b1.npy");
  WriteBytes(path, NpyFile("|b1", false, "(2, 2)", std::string("\x00\x01\x01\x00", 4)));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  RowMatrixXd want(2, 2);
  want << 0, 1, 1, 0;
  EXPECT_EQ(*m, want);
}

TEST(NpyRead, Float16IncludingSubnormalsAndExtremes) {
  // 1.0, -2.0, 65504 (max half), 2^-24 (smallest subnormal), 0.5, -0.0
  const std::vector<uint16_t> bits = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x3800, 0x8000};
  const std::string path = TempPath("f2.npy");
  WriteBytes(path, NpyFile("<f2", false, "(3, 2)", LittleEndianBytes(bits)));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  RowMatrixXd want(3, 2);
  want << 1.0, -2.0, 65504.0, std::ldexp(1.0, -24), 0.5, -0.0;
  EXPECT_EQ(*m, want);
  EXPECT_TRUE(std::signbit((*m)(2, 1)));
}

TEST(NpyRead, FortranOrderIsTransposedLayout) {
  // Column-major bytes of [[1, 2, 3], [4, 5, 6]].
  const std::string path = TempPath("f.npy");
  WriteBytes(path, NpyFile("<f8", true, "(2, 3)",
                           LittleEndianBytes(std::vector<double>{1, 4, 2, 5, 3, 6})));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  RowMatrixXd want(2, 3);
  want << 1, 2, 3, 4, 5, 6;
  EXPECT_EQ(*m, want);
}

TEST(NpyRead, VectorIsOneColumn) {
  const std::string path = TempPath("v.npy");
  WriteBytes(path, NpyFile("<i4", false, "(4,)", LittleEndianBytes(std::vector<int32_t>{3, 1, 4, 1})));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->rows(), 4);
  ASSERT_EQ(m->cols(), 1);
  EXPECT_EQ(m->col(0), (VectorXd(4) << 3, 1, 4, 1).finished());
}

TEST(NpyRead, HeaderVersionsTwoAndThree) {
  for (int major : {2, 3}) {
    const std::string path = TempPath(absl::StrCat("v", major, ".npy"));
    WriteBytes(path, NpyFile("<f4", false, "(1, 2)",
                             LittleEndianBytes(std::vector<float>{0.25f, -8.0f}), major));
    auto m = ReadNpyMatrix(path);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ((*m)(0, 0), 0.25);
    EXPECT_EQ((*m)(0, 1), -8.0);
  }
}

TEST(NpyRead, UnpaddedHeaderAndPython2LongsAreAccepted) {
  const std::string path = TempPath("old.npy");
  WriteBytes(path, testing_io::NpyPrefix("{'descr':'<f8','fortran_order':False,'shape':(1L,2L)}",
                                         1, 0, /*pad=*/false) +
                       LittleEndianBytes(std::vector<double>{1.5, 2.5}));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (RowMatrixXd(1, 2) << 1.5, 2.5).finished());
}

// Family element (m, r, c) = 100m + 10r + c.
std::vector<RowMatrixXd> Family(int count, int rows, int cols) {
  std::vector<RowMatrixXd> family;
  for (int m = 0; m < count; ++m) {
    RowMatrixXd a(rows, cols);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) a(r, c) = 100 * m + 10 * r + c;
    family.push_back(a);
  }
  return family;
}

TEST(NpyRead, ThreeDimensionalFamilyInBothOrders) {
  const auto want = Family(3, 2, 4);
  std::vector<int16_t> c_order, f_order;
  for (int m = 0; m < 3; ++m)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 4; ++c) c_order.push_back(static_cast<int16_t>(want[m](r, c)));
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 2; ++r)
      for (int m = 0; m < 3; ++m) f_order.push_back(static_cast<int16_t>(want[m](r, c)));
  for (bool fortran : {false, true}) {
    SCOPED_TRACE(fortran);
    const std::string path = TempPath(fortran ? "f.npy" : "c.npy");
    WriteBytes(path, NpyFile("<i2", fortran, "(3, 2, 4)", LittleEndianBytes(fortran ? f_order : c_order)));
    auto family = ReadNpyFamily(path);
    ASSERT_TRUE(family.ok()) << family.status();
    ASSERT_EQ(family->size(), 3u);
    for (int m = 0; m < 3; ++m) EXPECT_EQ((*family)[m], want[m]) << m;

    // Random access gives the same matrices, in any order.
    auto reader = NpyReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ(reader->matrix_count(), 3);
    for (int m : {2, 0, 1}) {
      auto one = reader->ReadMatrix(m);
      ASSERT_TRUE(one.ok()) << one.status();
      EXPECT_EQ(*one, want[m]);
    }
    EXPECT_EQ(reader->ReadMatrix(3).status().code(), absl::StatusCode::kOutOfRange);

    // As a single matrix it is the wrong number of dimensions.
    auto single = ReadNpyMatrix(path);
    ASSERT_FALSE(single.ok());
    EXPECT_THAT(single.status().message(), HasSubstr(path));
    EXPECT_THAT(single.status().message(), HasSubstr("3-D"));
  }
}

TEST(NpyRead, TwoDimensionalFileIsAFamilyOfOne) {
  const std::string path = TempPath("one.npy");
  ASSERT_TRUE(WriteNpyMatrix(path, Family(1, 3, 2)[0]).ok());
  auto family = ReadNpyFamily(path);
  ASSERT_TRUE(family.ok()) << family.status();
  ASSERT_EQ(family->size(), 1u);
  EXPECT_EQ((*family)[0], Family(1, 3, 2)[0]);
}

TEST(NpyRead, EmptyDimensionsGiveEmptyMatrices) {
  const std::string path = TempPath("empty.npy");
  WriteBytes(path, NpyFile("<f8", false, "(0, 5)", ""));
  auto m = ReadNpyMatrix(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rows(), 0);
  EXPECT_EQ(m->cols(), 5);
}

TEST(NpyRead, NonFiniteValuesAreRejectedWithTheirPosition) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (bool fortran : {false, true}) {
    // Element (1, 2) of a 2×3 matrix; its file index depends on the order.
    std::vector<double> data(6, 1.0);
    data[fortran ? 5 : 5] = nan;
    const std::string path = TempPath(fortran ? "nan_f.npy" : "nan_c.npy");
    WriteBytes(path, NpyFile("<f8", fortran, "(2, 3)", LittleEndianBytes(data)));
    auto m = ReadNpyMatrix(path);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(m.status().message(), HasSubstr(path));
    EXPECT_THAT(m.status().message(), HasSubstr("row 1, column 2"));
  }
  // float32 inf inside matrix 1 of a family.
  std::vector<float> data(12, 0.0f);
  data[6 + 1] = static_cast<float>(inf);  // matrix 1, row 0, column 1 of (2, 2, 3)
  const std::string path = TempPath("inf.npy");
  WriteBytes(path, NpyFile("<f4", false, "(2, 2, 3)", LittleEndianBytes(data)));
  auto family = ReadNpyFamily(path);
  ASSERT_FALSE(family.ok());
  EXPECT_THAT(family.status().message(), HasSubstr("matrix 1, row 0, column 1"));
  // ...but matrix 0 alone is fine.
  auto reader = NpyReader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(reader->ReadMatrix(0).ok());
}

TEST(NpyRead, MissingFileIsNotFound) {
  auto m = ReadNpyMatrix(TempPath("absent.npy"));
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("absent.npy"));
}

// A deterministic matrix with non-trivial bits in every entry.
RowMatrixXd Awkward(int rows, int cols, double scale = 1.0) {
  RowMatrixXd a(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) a(r, c) = scale * std::sin(1.0 + r * 0.37 + c * 1.91) / (1 + c);
  return a;
}

TEST(NpyWrite, RoundTripsEveryTypeAndOrderExactly) {
  const RowMatrixXd a = Awkward(5, 7, 1e5);
  for (ElementType type : {ElementType::kFloat64, ElementType::kFloat32}) {
    for (bool fortran : {false, true}) {
      SCOPED_TRACE(std::string(ElementTypeName(type)) + (fortran ? " F" : " C"));
      const std::string path = TempPath("rt.npy");
      ASSERT_TRUE(WriteNpyMatrix(path, a, {type, fortran}).ok());
      auto reader = NpyReader::Open(path);
      ASSERT_TRUE(reader.ok()) << reader.status();
      EXPECT_EQ(reader->header().type, type);
      EXPECT_EQ(reader->header().fortran_order, fortran);
      auto back = reader->ReadMatrix(0);
      ASSERT_TRUE(back.ok()) << back.status();
      if (type == ElementType::kFloat64) {
        EXPECT_EQ(*back, a);
      } else {
        EXPECT_EQ(*back, a.cast<float>().cast<double>());
      }
    }
  }
}

TEST(NpyWrite, FamilyAndVectorRoundTrip) {
  const auto family = Family(4, 3, 5);
  for (bool fortran : {false, true}) {
    const std::string path = TempPath(fortran ? "fam_f.npy" : "fam_c.npy");
    ASSERT_TRUE(WriteNpyFamily(path, family, {ElementType::kFloat64, fortran}).ok());
    auto back = ReadNpyFamily(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, family);
  }
  VectorXd x(4);
  x << 1e-300, -3.5, 0.1, 7;
  const std::string path = TempPath("x.npy");
  ASSERT_TRUE(WriteNpyVector(path, x).ok());
  auto reader = NpyReader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->header().shape, (std::vector<int64_t>{4}));
  auto back = reader->ReadMatrix(0);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->col(0), x);
}

TEST(NpyWrite, BytesAreExactlyNumpyVersionOne) {
  const std::string path = TempPath("bytes.npy");
  RowMatrixXd a(2, 1);
  a << 1.0, -2.0;
  ASSERT_TRUE(WriteNpyMatrix(path, a).ok());
  const std::string bytes = ReadBytes(path);
  ASSERT_EQ(bytes.size(), 128u + 16u);  // header padded to 64k bytes, then 2 doubles
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8),
            118);
  const std::string dict = bytes.substr(10, 118);
  EXPECT_EQ(dict.substr(0, dict.find('}') + 1),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }");
  EXPECT_EQ(dict.back(), '\n');
  EXPECT_EQ(bytes.substr(128), LittleEndianBytes(std::vector<double>{1.0, -2.0}));
}

TEST(NpyWrite, LargeMatricesCrossChunkBoundaries) {
  // More elements than one 1 MiB read chunk and one 64 Ki-element write chunk.
  const RowMatrixXd a = Awkward(401, 409);
  for (ElementType type : {ElementType::kFloat64, ElementType::kFloat32}) {
    for (bool fortran : {false, true}) {
      const std::string path = TempPath("large.npy");
      ASSERT_TRUE(WriteNpyMatrix(path, a, {type, fortran}).ok());
      auto back = ReadNpyMatrix(path);
      ASSERT_TRUE(back.ok()) << back.status();
      if (type == ElementType::kFloat64) {
        EXPECT_EQ(*back, a);
      } else {
        EXPECT_EQ(*back, a.cast<float>().cast<double>());
      }
    }
  }
}

TEST(NpyWrite, RefusesWhatItCouldNotReadBack) {
  RowMatrixXd a = Awkward(3, 3);
  a(2, 1) = std::numeric_limits<double>::quiet_NaN();
  const std::string path = TempPath("bad.npy");
  absl::Status s = WriteNpyMatrix(path, a);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("row 2, column 1"));
  EXPECT_TRUE(ReadBytes(path).empty()) << "no partial file may be left behind";

  RowMatrixXd big = Awkward(2, 2);
  big(0, 1) = 1e39;  // beyond float32
  s = WriteNpyMatrix(path, big, {ElementType::kFloat32, false});
  EXPECT_THAT(s.message(), HasSubstr("out-of-range"));
  EXPECT_TRUE(WriteNpyMatrix(path, big, {ElementType::kFloat64, false}).ok());

  s = WriteNpyFamily(path, {Awkward(2, 2), Awkward(2, 3)});
  EXPECT_THAT(s.message(), HasSubstr("differently shaped"));
  s = WriteNpyMatrix(path, a.topRows(1), {ElementType::kInt32, false});
  EXPECT_THAT(s.message(), HasSubstr("int32"));
}

TEST(NpyWrite, SubBlocksOfLargerMatricesWriteOnlyTheirEntries) {
  const RowMatrixXd a = Awkward(6, 6);
  const std::string path = TempPath("block.npy");
  ASSERT_TRUE(WriteNpyMatrix(path, a.block(1, 2, 3, 2)).ok());
  auto back = ReadNpyMatrix(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, a.block(1, 2, 3, 2));
}

TEST(NpyHeaderEncode, UsesVersionTwoOnlyForHugeHeaders) {
  const std::string small = EncodeNpyHeader(ElementType::kFloat64, false, {3, 4});
  EXPECT_EQ(small[6], 1);
  EXPECT_EQ(small.size() % 64, 0u);
  std::vector<int64_t> many(40, 1);  // still small
  EXPECT_EQ(EncodeNpyHeader(ElementType::kUInt8, true, many).size() % 64, 0u);
}

}  // namespace
}  // namespace sketchd
