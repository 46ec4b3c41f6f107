// Files written by NumPy 1.24 / SciPy 1.10 (see fixtures/make_fixtures.py)
// read as the formulas that made them say.
#include <string>
#include <vector>

#include "core/io/matrix_file.h"
#include "core/io/npy_reader.h"
#include "gtest/gtest.h"

namespace sketchd {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(SKETCHD_SOURCE_DIR) + "/tests/io/fixtures/" + name;
}

enum class Kind { kUnsigned, kSigned, kFloat, kBool };

// v(m, i, j) from make_fixtures.py.
double Value(Kind kind, int m, int i, int j) {
  if (kind == Kind::kBool) return (i + j) % 2;
  double v = 100 * m + 10 * i + j;
  if (kind != Kind::kUnsigned && j % 2 == 1) v = -v;
  if (kind == Kind::kFloat) v /= 4;
  return v;
}

RowMatrixXd Expected(Kind kind, int m = 0) {
  RowMatrixXd a(3, 4);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) a(i, j) = Value(kind, m, i, j);
  return a;
}

TEST(NumpyFixtures, EveryDtypeReadsAsItsFormula) {
  const struct {
    const char* file;
    Kind kind;
    ElementType type;
  } cases[] = {
      {"f8_c.npy", Kind::kFloat, ElementType::kFloat64},
      {"f4_c.npy", Kind::kFloat, ElementType::kFloat32},
      {"f2_c.npy", Kind::kFloat, ElementType::kFloat16},
      {"u1_c.npy", Kind::kUnsigned, ElementType::kUInt8},
      {"u2_c.npy", Kind::kUnsigned, ElementType::kUInt16},
      {"u4_c.npy", Kind::kUnsigned, ElementType::kUInt32},
      {"u8_c.npy", Kind::kUnsigned, ElementType::kUInt64},
      {"i1_c.npy", Kind::kSigned, ElementType::kInt8},
      {"i2_c.npy", Kind::kSigned, ElementType::kInt16},
      {"i4_c.npy", Kind::kSigned, ElementType::kInt32},
      {"i8_c.npy", Kind::kSigned, ElementType::kInt64},
      {"b1_c.npy", Kind::kBool, ElementType::kBool},
      {"f8_f.npy", Kind::kFloat, ElementType::kFloat64},
      {"f4_f.npy", Kind::kFloat, ElementType::kFloat32},
      {"f8_v2.npy", Kind::kFloat, ElementType::kFloat64},
      {"f8_v3.npy", Kind::kFloat, ElementType::kFloat64},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto reader = NpyReader::Open(Fixture(c.file));
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ(reader->header().type, c.type);
    auto m = reader->ReadMatrix(0);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(*m, Expected(c.kind));
  }
}

TEST(NumpyFixtures, OrdersVersionsFamiliesAndVectors) {
  auto f = NpyReader::Open(Fixture("f8_f.npy"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->header().fortran_order);
  auto v2 = NpyReader::Open(Fixture("f8_v2.npy"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->header().major_version, 2);

  for (const char* file : {"family_i4_c.npy", "family_f8_f.npy"}) {
    SCOPED_TRACE(file);
    auto family = ReadMatrixFamily(Fixture(file));
    ASSERT_TRUE(family.ok()) << family.status();
    ASSERT_EQ(family->size(), 2u);
    const Kind kind = std::string(file).find("f8") != std::string::npos ? Kind::kFloat : Kind::kSigned;
    for (int m = 0; m < 2; ++m) EXPECT_EQ((*family)[m], Expected(kind, m)) << m;
  }

  auto vector = ReadMatrixFile(Fixture("vector_f8.npy"));
  ASSERT_TRUE(vector.ok()) << vector.status();
  EXPECT_EQ(*vector, Expected(Kind::kFloat).col(1));
}

TEST(TextFixtures, SavetxtAndMmwriteFilesReadAsTheSameMatrix) {
  const RowMatrixXd a = Expected(Kind::kFloat);
  for (const char* file : {"f8_header.csv", "f8_comment.csv", "f8_array.mtx", "f8_coordinate.mtx"}) {
    SCOPED_TRACE(file);
    auto m = ReadMatrixFile(Fixture(file));
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(*m, a);
  }
  auto sparse = ReadSparseMatrixFile(Fixture("f8_coordinate.mtx"));
  ASSERT_TRUE(sparse.ok());
  EXPECT_EQ(sparse->nonZeros(), 11);  // a(0, 0) = 0 is not stored

  const RowMatrixXd sym = a.leftCols(3) + a.leftCols(3).transpose();
  auto s = ReadMatrixFile(Fixture("f8_symmetric.mtx"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, sym);
}

}  // namespace
}  // namespace sketchd
