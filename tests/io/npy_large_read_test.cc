// The reader's large-matrix paths: destinations of several huge pages, many
// 1 MiB read chunks, and the vectorised finite check, which must still name
// the exact element that failed.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/io/npy.h"
#include "core/io/npy_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using testing_io::LittleEndianBytes;
using testing_io::NpyFile;
using testing_io::TempPath;
using testing_io::WriteBytes;
using ::testing::HasSubstr;

constexpr int kRows = 1100, kCols = 600;  // 5.3 MB as float64: two whole huge pages

std::vector<double> Values() {
  std::vector<double> v(static_cast<size_t>(kRows) * kCols);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37 * static_cast<double>(i)) * 1e3;
  return v;
}

TEST(NpyLargeRead, EveryLayoutAndTypeEqualsTheWrittenValues) {
  const std::vector<double> v = Values();
  RowMatrixXd expected(kRows, kCols);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) expected(r, c) = v[static_cast<size_t>(r) * kCols + c];
  }
  const std::string shape = absl::StrCat("(", kRows, ", ", kCols, ")");
  // Fortran order stores the transpose's C-order bytes.
  std::vector<double> fortran(v.size());
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) fortran[static_cast<size_t>(c) * kRows + r] = expected(r, c);
  }
  std::vector<float> single(v.begin(), v.end());
  const std::string path = TempPath("large_read.npy");

  WriteBytes(path, NpyFile("<f8", false, shape, LittleEndianBytes(v)));
  auto c_order = ReadNpyMatrix(path);
  ASSERT_TRUE(c_order.ok()) << c_order.status();
  EXPECT_EQ(*c_order, expected);

  WriteBytes(path, NpyFile("<f8", true, shape, LittleEndianBytes(fortran)));
  auto f_order = ReadNpyMatrix(path);
  ASSERT_TRUE(f_order.ok()) << f_order.status();
  EXPECT_EQ(*f_order, expected);

  WriteBytes(path, NpyFile("<f4", false, shape, LittleEndianBytes(single)));
  auto f32 = ReadNpyMatrix(path);
  ASSERT_TRUE(f32.ok()) << f32.status();
  EXPECT_EQ(*f32, expected.cast<float>().cast<double>());

  // Row ranges read straight into their own buffer.
  auto reader = NpyReader::Open(path);
  ASSERT_TRUE(reader.ok());
  auto rows = reader->ReadRows(0, 333, 700);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, expected.middleRows(333, 700).cast<float>().cast<double>());
}

TEST(NpyLargeRead, NonFiniteValuesDeepInTheFileAreNamedExactly) {
  const std::string shape = absl::StrCat("(", kRows, ", ", kCols, ")");
  const std::string path = TempPath("large_nonfinite.npy");
  struct Case {
    int row, col;
    double value;
  };
  for (const Case& c : {Case{1000, 17, std::numeric_limits<double>::quiet_NaN()},
                        Case{kRows - 1, kCols - 1, -std::numeric_limits<double>::infinity()},
                        Case{0, 0, std::numeric_limits<double>::infinity()}}) {
    std::vector<double> v = Values();
    v[static_cast<size_t>(c.row) * kCols + c.col] = c.value;
    WriteBytes(path, NpyFile("<f8", false, shape, LittleEndianBytes(v)));
    auto m = ReadNpyMatrix(path);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.status().message(), HasSubstr(absl::StrCat("row ", c.row, ", column ", c.col)));
  }
}

}  // namespace
}  // namespace sketchd
