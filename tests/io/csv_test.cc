// CSV: header detection, exact round trips, and one test per defect.
#include "core/io/csv.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using testing_io::TempPath;
using testing_io::WriteBytes;
using ::testing::HasSubstr;

absl::StatusOr<RowMatrixXd> ReadText(const std::string& name, const std::string& text) {
  const std::string path = TempPath(name + ".csv");
  WriteBytes(path, text);
  return ReadCsvMatrix(path);
}

TEST(CsvRead, PlainNumbers) {
  auto m = ReadText("plain", "1,2,3\n-4.5, 5e2 ,+6\n");
  ASSERT_TRUE(m.ok()) << m.status();
  RowMatrixXd want(2, 3);
  want << 1, 2, 3, -4.5, 500, 6;
  EXPECT_EQ(*m, want);
}

TEST(CsvRead, HeaderIsDetectedOnlyWhenNonNumeric) {
  auto with_header = ReadText("h", "x,y\n1,2\n3,4\n");
  ASSERT_TRUE(with_header.ok()) << with_header.status();
  EXPECT_EQ(with_header->rows(), 2);
  EXPECT_EQ((*with_header)(0, 0), 1);
  // A header may leave a column unnamed.
  auto unnamed = ReadText("unnamed", "a,,c\n1,2,3\n");
  ASSERT_TRUE(unnamed.ok()) << unnamed.status();
  EXPECT_EQ(unnamed->rows(), 1);
  EXPECT_EQ((*unnamed)(0, 1), 2);
  // A numeric first line is data.
  auto numeric = ReadText("n", "10,20\n1,2\n");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->rows(), 2);
  EXPECT_EQ((*numeric)(0, 1), 20);
}

TEST(CsvRead, FirstRowWithATypoIsAnErrorNotAHeader) {
  // Before: "1,2x,3" was taken as a header and the first data row vanished.
  auto typo = ReadText("typo", "1,2x,3\n4,5,6\n7,8,9\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(),
              HasSubstr("line 1: field 2: '2x' is not a number, but other fields of this first "
                        "row are; a header row must have no numeric field"));
  // Comments and blank lines before it do not hide its line number.
  auto later = ReadText("typo_later", "# saved\n\n1,col2\n1,2\n");
  ASSERT_FALSE(later.ok());
  EXPECT_THAT(later.status().message(), HasSubstr("line 3: field 2: 'col2'"));
}

TEST(CsvRead, CommentsBlankLinesCrLfAndMissingFinalNewline) {
  auto m = ReadText("misc", "# written by np.savetxt\r\n\r\n1,2\r\n\r\n  \r\n3,4");
  ASSERT_TRUE(m.ok()) << m.status();
  RowMatrixXd want(2, 2);
  want << 1, 2, 3, 4;
  EXPECT_EQ(*m, want);
}

TEST(CsvRead, SingleColumnAndLongLines) {
  std::string wide;
  for (int c = 0; c < 20000; ++c) {  // a line longer than the 64 KiB read chunk
    if (c > 0) wide.push_back(',');
    wide.append(std::to_string(c));
  }
  auto m = ReadText("wide", wide + "\n" + wide + "\n");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->cols(), 20000);
  EXPECT_EQ((*m)(1, 19999), 19999);
  auto col = ReadText("col", "1\n2\n3\n");
  ASSERT_TRUE(col.ok());
  EXPECT_EQ(col->cols(), 1);
  EXPECT_EQ(col->rows(), 3);
}

TEST(CsvRead, UnderflowIsZeroNotAnError) {
  auto m = ReadText("tiny", "1e-400,-1e-400,4.9e-324\n");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)(0, 0), 0.0);
  EXPECT_EQ((*m)(0, 2), 4.9e-324);
}

TEST(CsvWrite, RoundTripIsBitExact) {
  RowMatrixXd a(40, 7);
  for (int r = 0; r < 40; ++r)
    for (int c = 0; c < 7; ++c) a(r, c) = std::pow(-1.3, r) / (c + 0.1) * 1e-3;
  a(3, 3) = 5e-324;
  a(4, 4) = -0.0;
  const std::string path = TempPath("rt.csv");
  ASSERT_TRUE(WriteCsvMatrix(path, a).ok());
  auto back = ReadCsvMatrix(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, a);
  EXPECT_TRUE(std::signbit((*back)(4, 4)));
}

TEST(CsvWrite, RefusesWhatCannotReadBack) {
  RowMatrixXd a = RowMatrixXd::Zero(2, 2);
  a(0, 1) = NAN;
  EXPECT_THAT(WriteCsvMatrix(TempPath("nan.csv"), a).message(), HasSubstr("row 0, column 1"));
  EXPECT_THAT(WriteCsvMatrix(TempPath("e.csv"), RowMatrixXd(0, 3)).message(), HasSubstr("empty"));
}

struct Defect {
  std::string name;
  std::string text;
  std::string message;
};

class CsvMalformed : public ::testing::TestWithParam<Defect> {};

TEST_P(CsvMalformed, IsRejectedWithFileLineAndReason) {
  const Defect& d = GetParam();
  const std::string path = TempPath(d.name + ".csv");
  WriteBytes(path, d.text);
  auto m = ReadCsvMatrix(path);
  ASSERT_FALSE(m.ok()) << d.name;
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << m.status();
  EXPECT_THAT(m.status().message(), HasSubstr(path));
  EXPECT_THAT(m.status().message(), HasSubstr(d.message));
}

INSTANTIATE_TEST_SUITE_P(
    AllDefects, CsvMalformed,
    ::testing::Values(
        Defect{"empty", "", "empty CSV"},
        Defect{"only_blank_lines", "\n  \n\n", "empty CSV"},
        Defect{"header_only", "a,b,c\n", "no data rows"},
        Defect{"ragged_short", "1,2,3\n4,5\n", "line 2: ragged row: 2 fields"},
        Defect{"ragged_long", "a,b\n1,2\n\n3,4,5\n", "line 4: ragged row: 3 fields"},
        Defect{"non_numeric_after_header", "a,b\n1,2\n3,x\n", "line 3: field 2: 'x'"},
        Defect{"second_header", "a,b\n1,2\nc,d\n", "line 3: field 1: 'c'"},
        Defect{"empty_cell", "1,,3\n", "line 1: field 2 is empty"},
        Defect{"trailing_comma", "1,2,\n3,4,\n", "field 3 is empty"},
        Defect{"nan_cell", "1,2\n3,NaN\n", "line 2: field 2: non-finite value 'NaN'"},
        Defect{"inf_cell", "1,-inf\n", "non-finite value '-inf'"},
        Defect{"overflow_cell", "1e400,1\n", "non-finite"},
        Defect{"semicolon_separated", "1;2\n3;4\n", "line 2: field 1: '3;4'"},
        Defect{"binary_garbage", std::string("1,2\n\x01\x02\x00\x03,4\n", 11),
               "line 2: field 1"}),
    [](const auto& info) { return info.param.name; });

TEST(CsvRead, MissingFileIsNotFound) {
  EXPECT_EQ(ReadCsvMatrix(TempPath("absent.csv")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sketchd
